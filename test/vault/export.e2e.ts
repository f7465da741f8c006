import { createDecipheriv, createHmac, createPrivateKey, createPublicKey, hkdfSync } from 'node:crypto';
import { ON_PKCS11, backendHolds, describeRefusals, noteRefusal } from '../support/backend';
import { startGateway, type Gateway } from '../support/server';
import { type VaultClient, b64, expectRefusal, parseVersioned, raw, unb64, vaultClient, vaultTenant } from './support';

/**
 * Export Key through node-vault: Vault's answer shape and formats (raw keys in base64, RSA as
 * PKCS#1 PEM, ECDSA as SEC1 PEM, Ed25519 as seed ‖ public, public keys as PEM or raw), versions
 * (all, latest, N, vN) and Vault's refusals. The exported bytes are proven by using them locally:
 * AES-GCM and ChaCha20-Poly1305 ciphertexts of the gateway opened with them, a derived key's
 * subkey recomputed with HKDF-SHA256 (info = context), the HMAC subkey with its documented info
 * (`kms-gateway/hmac-subkey/v1`) reproducing the gateway's HMAC, private keys matching the public
 * keys `read` answers. `exportable` set later through config is the core's flag too.
 */
let gw: Gateway;
let v: VaultClient;
let token: string;

beforeAll(async () => {
  gw = await startGateway();
  token = await vaultTenant(gw, 'vault-export');
  v = vaultClient(gw, token);
}, 60000);
afterAll(async () => {
  await gw.stop();
  gw.cleanup();
});

const exported = async (kind: string, name: string, version = '') => (await v.read(`transit/export/${kind}/${name}${version ? `/${version}` : ''}`)).data;
const encrypt = async (name: string, plaintext: string, extra: Record<string, unknown> = {}) =>
  (await v.write(`transit/encrypt/${name}`, { plaintext: b64(plaintext), ...extra })).data.ciphertext as string;

/** Opens a `vault:vN:` AEAD ciphertext (nonce ‖ ciphertext ‖ tag) with key bytes known to the test. */
function open(cipher: 'aes-256-gcm' | 'chacha20-poly1305', key: Buffer, ciphertext: string): string {
  const { bytes } = parseVersioned(ciphertext);
  const d = createDecipheriv(cipher as 'aes-256-gcm', key, bytes.subarray(0, 12), { authTagLength: 16 });
  d.setAuthTag(bytes.subarray(bytes.length - 16));
  return Buffer.concat([d.update(bytes.subarray(12, bytes.length - 16)), d.final()]).toString();
}

const hmacSubkey = (key: Buffer) => Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'kms-gateway/hmac-subkey/v1', 32));

describe('symmetric keys', () => {
  it('exports an exportable AES key per version, in Vault answer shape, and the bytes open its ciphertexts', async () => {
    await v.write('transit/keys/aes-x', { exportable: true });
    const ct1 = await encrypt('aes-x', 'under v1');
    await v.write('transit/keys/aes-x/rotate', {});
    const all = await exported('encryption-key', 'aes-x');
    expect(all).toEqual({ name: 'aes-x', type: 'aes256-gcm96', keys: { '1': expect.any(String), '2': expect.any(String) } });
    const k1 = unb64(all.keys['1']);
    expect(k1).toHaveLength(32);
    expect(open('aes-256-gcm', k1, ct1)).toBe('under v1');
    expect(open('aes-256-gcm', unb64(all.keys['2']), await encrypt('aes-x', 'under v2'))).toBe('under v2');
    expect((await exported('encryption-key', 'aes-x', 'latest')).keys).toEqual({ '2': all.keys['2'] });
    expect((await exported('encryption-key', 'aes-x', 'v1')).keys).toEqual({ '1': all.keys['1'] });
    expect((await exported('encryption-key', 'aes-x', '1')).keys).toEqual({ '1': all.keys['1'] });
    await expectRefusal(v.read('transit/export/encryption-key/aes-x/9'), 400, 'version does not exist or cannot be found');
    await expectRefusal(v.read('transit/export/encryption-key/aes-x/vx'), 400, 'invalid key version');
    await v.write('transit/keys/aes-x/config', { min_decryption_version: 2 });
    await expectRefusal(v.read('transit/export/encryption-key/aes-x/1'), 400, 'version for export is below minimum decryption version');
    expect(Object.keys((await exported('encryption-key', 'aes-x')).keys)).toEqual(['2']);
  });

  it("exports an AES key's HMAC key: the HMAC subkey (HKDF-SHA256, info kms-gateway/hmac-subkey/v1), which reproduces the gateway's HMAC", async () => {
    await v.write('transit/keys/aes-mac', { exportable: true });
    const key = unb64((await exported('encryption-key', 'aes-mac')).keys['1']);
    const hmacKey = (await exported('hmac-key', 'aes-mac')).keys['1'];
    expect(unb64(hmacKey).equals(hmacSubkey(key))).toBe(true);
    const made = v.write('transit/hmac/aes-mac', { input: b64('known answer') });
    if (ON_PKCS11) {
      await expectRefusal(made, 400, /HMAC subkeys are not available on the pkcs11 backend/);
      noteRefusal('hmac with an aes256-gcm96 key', 'the pkcs11 backend computes no subkeys: the key would have to leave the token');
    } else {
      const local = createHmac('sha256', unb64(hmacKey)).update('known answer').digest();
      expect(parseVersioned((await made).data.hmac).bytes.equals(local)).toBe(true);
    }
    // An hmac key's HMAC key is itself.
    await v.write('transit/keys/hmac-x', { type: 'hmac', exportable: true, key_size: 48 });
    expect(unb64((await exported('hmac-key', 'hmac-x')).keys['1'])).toHaveLength(48);
  });

  it("exports a derived key's version, from which the per-context subkey is HKDF-SHA256(key, info = context)", async () => {
    await v.write('transit/keys/derived-x', { derived: true, exportable: true });
    const key = unb64((await exported('encryption-key', 'derived-x')).keys['1']);
    const made = v.write('transit/encrypt/derived-x', { plaintext: b64('per context'), context: b64('user-42') });
    if (ON_PKCS11) {
      await expectRefusal(made, 400, /per-context subkeys are not available on the pkcs11 backend/);
      noteRefusal('derived keys', 'the pkcs11 backend computes no subkeys: the key would have to leave the token');
    } else {
      const subkey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'user-42', 32));
      expect(open('aes-256-gcm', subkey, (await made).data.ciphertext)).toBe('per context');
    }
  });

  it('exports a ChaCha20-Poly1305 key whose bytes open its ciphertexts', async () => {
    const create = v.write('transit/keys/chacha-x', { type: 'chacha20-poly1305', exportable: true });
    if (!backendHolds('chacha20-poly1305')) {
      await expectRefusal(create, 400, "key spec chacha20-poly1305 is not supported by backend 'pkcs11'");
      noteRefusal('chacha20-poly1305 keys', 'SoftHSM2 has no ChaCha20');
    } else {
      await create;
      const key = unb64((await exported('encryption-key', 'chacha-x')).keys['1']);
      expect(open('chacha20-poly1305', key, await encrypt('chacha-x', 'chacha bytes'))).toBe('chacha bytes');
    }
  });
});

describe('asymmetric keys', () => {
  it('exports ECDSA (SEC1 PEM), RSA (PKCS#1 PEM) and Ed25519 (seed ‖ public) keys matching the public keys read answers', async () => {
    for (const type of ['ecdsa-p256', 'ecdsa-p521', 'rsa-2048', 'ed25519']) {
      await v.write(`transit/keys/x-${type}`, { type, exportable: true });
      const pub = (await v.read(`transit/keys/x-${type}`)).data.keys['1'].public_key as string;
      const signing = (await exported('signing-key', `x-${type}`)).keys['1'] as string;
      const published = (await exported('public-key', `x-${type}`)).keys['1'] as string;
      expect(published).toBe(type.startsWith('rsa') ? pub : pub.trim());
      if (type === 'ed25519') {
        const both = unb64(signing);
        expect(both).toHaveLength(64);
        expect(both.subarray(32).toString('base64')).toBe(pub);
        const priv = createPrivateKey({
          key: { kty: 'OKP', crv: 'Ed25519', d: both.subarray(0, 32).toString('base64url'), x: both.subarray(32).toString('base64url') },
          format: 'jwk',
        });
        expect(createPublicKey(priv).export({ format: 'jwk' }).x).toBe(both.subarray(32).toString('base64url'));
        continue;
      }
      expect(signing).toMatch(
        type.startsWith('rsa')
          ? /^-----BEGIN RSA PRIVATE KEY-----\n[\s\S]+\n-----END RSA PRIVATE KEY-----\n$/
          : /^-----BEGIN EC PRIVATE KEY-----\n[\s\S]+\n-----END EC PRIVATE KEY-----$/,
      );
      const derivedPublic = createPublicKey(createPrivateKey(signing)).export({ format: 'der', type: 'spki' });
      expect(derivedPublic.equals(createPublicKey(pub).export({ format: 'der', type: 'spki' }))).toBe(true);
      if (type.startsWith('rsa')) expect((await exported('encryption-key', `x-${type}`)).keys['1']).toBe(signing);
    }
  });

  it('exports public keys of keys that are not exportable, and nothing else of them', async () => {
    await v.write('transit/keys/sealed-ec', { type: 'ecdsa-p384' });
    expect((await exported('public-key', 'sealed-ec')).keys['1']).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    await expectRefusal(v.read('transit/export/signing-key/sealed-ec'), 400, 'private key material is not exportable');
  });
});

describe('refusals and the exportable setting', () => {
  it("answers Vault's refusals", async () => {
    await v.write('transit/keys/ref-aes', { exportable: true });
    await v.write('transit/keys/ref-ec', { type: 'ecdsa-p256', exportable: true });
    await expectRefusal(v.read('transit/export/foo/ref-aes'), 400, 'invalid export type: foo');
    await expectRefusal(v.read('transit/export/encryption-key/never-made'), 404);
    await expectRefusal(v.read('transit/export/signing-key/ref-aes'), 400, 'signing not supported for the key');
    await expectRefusal(v.read('transit/export/encryption-key/ref-ec'), 400, 'encryption not supported for the key');
    await expectRefusal(v.read('transit/export/hmac-key/ref-ec'), 400, 'this gateway has no HMAC key for keys of type ecdsa-p256');
    await expectRefusal(v.read('transit/export/public-key/ref-aes'), 400, 'unknown key type aes256-gcm96 for export type public-key');
    expect((await raw(gw, 'POST', 'transit/export/encryption-key/ref-aes', token, {})).status).toBe(405);
  });

  it('config exportable=true makes the key exportable for good (the core flag too); older versions leave only where their backend lets them', async () => {
    await v.write('transit/keys/later', {});
    await expectRefusal(v.read('transit/export/encryption-key/later'), 400, 'private key material is not exportable');
    expect((await v.write('transit/keys/later/config', { exportable: true })).data.exportable).toBe(true);
    await expectRefusal(v.write('transit/keys/later/config', { exportable: false }), 400, 'exportable cannot be disabled once set');
    const ct = await encrypt('later', 'made before');
    const before = v.read('transit/export/encryption-key/later');
    if (ON_PKCS11) {
      // A token object made non-extractable never becomes extractable.
      await expectRefusal(before, 400, 'the key is not exportable');
      noteRefusal('export of a version made before exportable was set', 'CKA_EXTRACTABLE never turns on');
    } else {
      expect(open('aes-256-gcm', unb64((await before).data.keys['1']), ct)).toBe('made before');
    }
    await v.write('transit/keys/later/rotate', {});
    const latest = (await exported('encryption-key', 'later', 'latest')).keys['2'];
    expect(open('aes-256-gcm', unb64(latest), await encrypt('later', 'made after'))).toBe('made after');
  });
});

describeRefusals(ON_PKCS11 ? ['chacha20-poly1305 keys', 'derived keys', 'export of a version made before exportable was set', 'hmac with an aes256-gcm96 key'] : []);
