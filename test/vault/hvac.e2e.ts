import { execFile } from 'node:child_process';
import { constants, createDecipheriv, createHash, createHmac, createPrivateKey, createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { ON_PKCS11, backendHolds, describeRefusals, noteRefusal } from '../support/backend';
import { startGateway, type Gateway } from '../support/server';
import { b64, parseVersioned, unb64, vaultTenant } from './support';

/**
 * The transit engine through hvac (Python's Vault client, Debian's python3-hvac 0.11.2): the
 * script test/vault/hvac_client.py makes every call with hvac's own methods (paths, methods and
 * fields as hvac sends them, LIST included) and prints what hvac answered or raised; this suite
 * holds those answers to Vault's behaviour and checks what it can locally: signatures with
 * node:crypto against the public keys read answered, HMACs against the exported hmac key,
 * a ciphertext against the exported AES key.
 */
type Step = { ok: any; error?: undefined } | { ok?: undefined; error: string; errors: string[] | null };

let gw: Gateway;
let token: string;
let out: Record<string, Step>;

beforeAll(async () => {
  gw = await startGateway();
  token = await vaultTenant(gw, 'hvac');
  // Debian's interpreter explicitly: python3-hvac is a Debian package (.ci/run installs it).
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile('/usr/bin/python3', [join(__dirname, 'hvac_client.py'), gw.url, token], { timeout: 120_000, maxBuffer: 8 << 20 }, (err, so, se) =>
      err ? reject(new Error(`${err.message}\n${se}`)) : resolve(so),
    ),
  );
  out = JSON.parse(stdout);
}, 180_000);
afterAll(async () => {
  await gw.stop();
  gw.cleanup();
});

/** What hvac answered at `name`; fails with what it raised instead. */
function ok(name: string): any {
  const step = out[name];
  if (!step) throw new Error(`hvac_client.py ran no step ${name}`);
  if (step.error !== undefined) throw new Error(`${name}: hvac raised ${step.error} ${JSON.stringify(step.errors)}`);
  return step.ok;
}

/** The exception hvac raised at `name`, with Vault's one error message (or none). */
function expectRaised(name: string, exception: string, message?: string | RegExp): void {
  const step = out[name];
  expect(step).toMatchObject({ error: exception });
  if (message === undefined) return expect((step as { errors: string[] }).errors).toEqual([]);
  expect((step as { errors: string[] }).errors).toEqual([message instanceof RegExp ? expect.stringMatching(message) : message]);
}

const SUBKEYS_REFUSED = /per-context subkeys are not available on the pkcs11 backend/;
const NO_CHACHA = "key spec chacha20-poly1305 is not supported by backend 'pkcs11'";

describe('probes', () => {
  it('answers read_health_status (HEAD, its default, and GET) and lookup_self', () => {
    expect(ok('health_head')).toEqual({ status: 200, body: '' });
    expect(ok('health_get')).toMatchObject({ initialized: true, sealed: false, standby: false, version: '1.17.0' });
    expect(ok('lookup_self')).toMatchObject({ mount_type: 'token', data: { id: token, type: 'service', policies: ['default'], ttl: 0, meta: { tenant: 'hvac' } } });
  });
});

describe('keys', () => {
  it('creates a key of every type hvac knows, answering it as read does', () => {
    for (const type of ['aes256-gcm96', 'ecdsa-p256', 'ed25519', 'rsa-2048']) expect(ok(`create_${type}`)).toMatchObject({ data: { name: `hv-${type}`, type } });
    expect(ok('create_ecdsa-p256').data.exportable).toBe(true);
    expect(ok('create_ed25519').data.exportable).toBe(false);
    if (backendHolds('chacha20-poly1305')) expect(ok('create_chacha20-poly1305')).toMatchObject({ data: { type: 'chacha20-poly1305' } });
    else {
      expectRaised('create_chacha20-poly1305', 'InvalidRequest', NO_CHACHA);
      noteRefusal('chacha20-poly1305 keys', 'SoftHSM2 has no ChaCha20');
    }
    expect(ok('create_again')).toMatchObject({ data: { name: 'hv-aes256-gcm96' }, warnings: ['key hv-aes256-gcm96 already existed'] });
  });

  it('makes hmac keys through the adapter (hvac 0.11.2 refuses the type itself), derived and convergent keys', () => {
    expectRaised('create_hmac_typed', 'ParamValidationError', /invalid key_type argument provided "hmac"/);
    expect(ok('create_hmac')).toMatchObject({ data: { type: 'hmac', key_size: 64, exportable: true } });
    expect(ok('read_hmac').data).toMatchObject({ type: 'hmac', key_size: 64 });
    expect(ok('create_derived').data).toMatchObject({ type: 'aes256-gcm96', derived: true, kdf: 'hkdf_sha256' });
    expect(ok('read_derived').data).toMatchObject({ derived: true, convergent_encryption: false });
    expect(ok('read_conv').data).toMatchObject({ derived: true, convergent_encryption: true, convergent_encryption_version: 3 });
  });

  it('reads keys (public keys of the asymmetric ones), 404 for none, and lists with LIST', () => {
    expect(ok('read_aes256-gcm96')).toMatchObject({ mount_type: 'transit', data: { type: 'aes256-gcm96', latest_version: 1, min_decryption_version: 1, id: expect.any(String) } });
    expect(ok('read_ecdsa-p256').data.keys['1'].public_key).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(unb64(ok('read_ed25519').data.keys['1'].public_key)).toHaveLength(32);
    expect(ok('read_rsa-2048').data.keys['1'].public_key).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expectRaised('read_missing', 'InvalidPath');
    const names = ['hv-aes256-gcm96', 'hv-conv', 'hv-derived', 'hv-ecdsa-p256', 'hv-ed25519', 'hv-hmac', 'hv-rsa-2048'];
    if (backendHolds('chacha20-poly1305')) names.push('hv-chacha20-poly1305');
    expect([...ok('list').data.keys].sort()).toEqual(names.sort());
  });
});

describe('encryption', () => {
  it('encrypts and decrypts one plaintext in Vault’s layout, a batch (plaintext null beside batch_input), and with RSA-OAEP', () => {
    const { version, bytes } = parseVersioned(ok('encrypt').data.ciphertext);
    expect(version).toBe(1);
    expect(bytes).toHaveLength(12 + 'hello hvac'.length + 16);
    expect(ok('decrypt').data.plaintext).toBe(b64('hello hvac'));
    const batch = ok('encrypt_batch').data.batch_results;
    expect(batch).toEqual([
      // Vault echoes `reference` in every item, empty when the item had none.
      { ciphertext: expect.stringMatching(/^vault:v1:/), key_version: 1, reference: '' },
      { ciphertext: expect.stringMatching(/^vault:v1:/), key_version: 1, reference: 'r2' },
    ]);
    expect(ok('decrypt_batch').data.batch_results.map((r: { plaintext: string }) => unb64(r.plaintext).toString())).toEqual(['one', 'two']);
    expect(parseVersioned(ok('encrypt_rsa').data.ciphertext).bytes).toHaveLength(256);
    expect(unb64(ok('decrypt_rsa').data.plaintext).toString()).toBe('to an rsa key');
  });

  it('encrypts with ChaCha20-Poly1305 (refused, upsert too, where the backend has no ChaCha20)', () => {
    if (backendHolds('chacha20-poly1305')) {
      expect(parseVersioned(ok('encrypt_chacha').data.ciphertext).bytes).toHaveLength(12 + 'chacha'.length + 16);
      expect(unb64(ok('decrypt_chacha').data.plaintext).toString()).toBe('chacha');
    } else {
      expectRaised('encrypt_chacha', 'InvalidRequest', NO_CHACHA);
      noteRefusal('chacha20-poly1305 keys', 'SoftHSM2 has no ChaCha20');
    }
  });

  it('derives per context, in the body and in batch items; convergent encryption repeats itself', () => {
    if (ON_PKCS11) {
      for (const name of ['encrypt_derived', 'encrypt_convergent_1', 'datakey_derived']) expectRaised(name, 'InvalidRequest', SUBKEYS_REFUSED);
      // A batch whose every item failed is a 400 with the items' errors in data and no `errors`: hvac raises with the text.
      const batch = out.encrypt_derived_batch as { error: string; errors: string[] };
      expect(batch.error).toBe('InvalidRequest');
      expect(JSON.parse(batch.errors[0]).data.batch_results).toEqual([
        { error: expect.stringMatching(SUBKEYS_REFUSED), reference: '' },
        { error: expect.stringMatching(SUBKEYS_REFUSED), reference: '' },
      ]);
      expect(out.decrypt_derived_batch).toEqual({ error: 'Missing', errors: ['encrypt_derived_batch'] });
      noteRefusal('derived keys', 'the pkcs11 backend computes no subkeys: the key would have to leave the token');
      return expectRaised('encrypt_derived_no_context', 'InvalidRequest', /missing 'context' for key derivation/);
    }
    expect(unb64(ok('decrypt_derived').data.plaintext).toString()).toBe('derived');
    expectRaised('decrypt_derived_other_context', 'InvalidRequest', /cipher: message authentication failed/);
    expectRaised('encrypt_derived_no_context', 'InvalidRequest', /missing 'context' for key derivation/);
    expect(ok('decrypt_derived_batch').data.batch_results.map((r: { plaintext: string }) => unb64(r.plaintext).toString())).toEqual(['a', 'b']);
    const first = ok('encrypt_convergent_1').data.ciphertext;
    expect(ok('encrypt_convergent_2').data.ciphertext).toBe(first);
    expect(unb64(ok('decrypt_convergent').data.plaintext).toString()).toBe('same');
    expect(unb64(ok('datakey_derived').data.plaintext)).toHaveLength(16);
  });

  it('makes data keys: plaintext with its sealed copy, wrapped (512 bits) sealed only', () => {
    const plain = ok('datakey_plaintext').data;
    expect(unb64(plain.plaintext)).toHaveLength(32);
    expect(ok('datakey_unwrap').data.plaintext).toBe(plain.plaintext);
    const wrapped = ok('datakey_wrapped_512').data;
    expect(wrapped.plaintext).toBeUndefined();
    expect(unb64(ok('datakey_wrapped_unwrap').data.plaintext)).toHaveLength(64);
  });
});

describe('versions', () => {
  it('rotates, rewraps to the latest, holds min_decryption_version, trims, and exports once made exportable', () => {
    expect(ok('rotate').data.latest_version).toBe(2);
    expect(ok('rotate_again').data.latest_version).toBe(3);
    expect(parseVersioned(ok('rewrap').data.ciphertext).version).toBe(3);
    expect(unb64(ok('decrypt_rewrapped').data.plaintext).toString()).toBe('hello hvac');
    // hvac's own check: it wants min_encryption_version above min_decryption_version (Vault allows equal).
    expectRaised('config_versions_client_check', 'ParamValidationError', 'min_encryption_version must be 0 or > min_decryption_version');
    // config and trim answer the key, as Vault's do.
    expect(ok('config_versions').data).toMatchObject({ min_decryption_version: 2, min_encryption_version: 3, exportable: false });
    expectRaised('decrypt_too_old', 'InvalidRequest', /ciphertext or signature version is disallowed by policy \(too old\)/);
    expect(ok('trim').data).toMatchObject({ min_available_version: 2 });
    expect(ok('config_exportable').data).toMatchObject({ exportable: true });
    const read = ok('read_after_config').data;
    expect(read).toMatchObject({ latest_version: 4, min_decryption_version: 2, min_encryption_version: 3, min_available_version: 2, exportable: true });
    expect(Object.keys(read.keys).sort()).toEqual(['2', '3', '4']);
    const exported = ok('export_encryption_latest').data;
    expect(exported).toMatchObject({ name: 'hv-aes256-gcm96', type: 'aes256-gcm96' });
    expect(Object.keys(exported.keys)).toEqual(['4']);
    const { version, bytes } = parseVersioned(ok('encrypt_latest').data.ciphertext);
    expect(version).toBe(4);
    const d = createDecipheriv('aes-256-gcm', unb64(exported.keys['4']), bytes.subarray(0, 12));
    d.setAuthTag(bytes.subarray(bytes.length - 16));
    expect(Buffer.concat([d.update(bytes.subarray(12, bytes.length - 16)), d.final()]).toString()).toBe('under the latest');
  });
});

const NODE_HASH: Record<string, string> = { 'sha2-224': 'sha224', 'sha2-256': 'sha256', 'sha2-384': 'sha384', 'sha2-512': 'sha512' };
const MESSAGE = Buffer.from('a message hvac signs');

function publicKey(readStep: string): KeyObject {
  const entry = ok(readStep).data.keys['1'];
  if (entry.name === 'ed25519') return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: unb64(entry.public_key).toString('base64url') }, format: 'jwk' });
  return createPublicKey(entry.public_key);
}

describe('signatures', () => {
  it.each([
    ['ecdsa_sha2-256_asn1', 'ecdsa-p256', 'sha2-256', {}],
    ['ecdsa_sha2-384_jws', 'ecdsa-p256', 'sha2-384', { dsaEncoding: 'ieee-p1363' as const }],
    ['ecdsa_sha2-512_asn1', 'ecdsa-p256', 'sha2-512', {}],
    ['ed25519', 'ed25519', null, {}],
    ['rsa_pss_sha2-256', 'rsa-2048', 'sha2-256', { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }],
    ['rsa_pkcs1v15_sha2-512', 'rsa-2048', 'sha2-512', { padding: constants.RSA_PKCS1_PADDING }],
    ['rsa_pkcs1v15_sha2-224_jws', 'rsa-2048', 'sha2-224', { padding: constants.RSA_PKCS1_PADDING }],
  ])('%s: verified with node:crypto and through hvac', (label, type, hash, options) => {
    const { version, bytes } = parseVersioned(ok(`sign_${label}`).data.signature, label.endsWith('_jws'));
    expect(version).toBe(1);
    if (label.endsWith('_jws')) expect(ok(`sign_${label}`).data.signature).not.toMatch(/[+/=]/);
    expect(nodeVerify(hash && NODE_HASH[hash], MESSAGE, { key: publicKey(`read_${type}`), ...options }, bytes)).toBe(true);
    expect(ok(`verify_${label}`).data).toEqual({ valid: true });
    expect(ok(`verify_other_${label}`).data).toEqual({ valid: false });
  });
});

describe('HMAC', () => {
  it('HMACs with an hmac key, equal to a local HMAC under its exported bytes, and verifies with hvac’s hash_algorithm', () => {
    const exported = ok('export_hmac_key').data;
    expect(exported).toMatchObject({ name: 'hv-hmac', type: 'hmac' });
    const key = unb64(exported.keys['1']);
    expect(key).toHaveLength(64);
    for (const algorithm of ['sha2-256', 'sha2-384', 'sha2-512']) {
      const { version, bytes } = parseVersioned(ok(`hmac_${algorithm}`).data.hmac);
      expect(version).toBe(1);
      expect(bytes.equals(createHmac(NODE_HASH[algorithm], key).update(MESSAGE).digest())).toBe(true);
      expect(ok(`hmac_verify_${algorithm}`).data).toEqual({ valid: true });
      expect(ok(`hmac_verify_other_${algorithm}`).data).toEqual({ valid: false });
    }
  });

  it('HMACs with an AES key through its HMAC subkey (refused on pkcs11)', () => {
    if (ON_PKCS11) {
      expectRaised('hmac_aes', 'InvalidRequest', /HMAC subkeys are not available on the pkcs11 backend/);
      return noteRefusal('hmac with an aes256-gcm96 key', 'the pkcs11 backend computes no subkeys: the key would have to leave the token');
    }
    // The key's latest version is 4 by then (see versions): the prefix names it.
    expect(parseVersioned(ok('hmac_aes').data.hmac)).toMatchObject({ version: 4, bytes: expect.any(Buffer) });
    expect(parseVersioned(ok('hmac_aes').data.hmac).bytes).toHaveLength(32);
  });
});

describe('export, utilities, deletion', () => {
  it('exports the exportable ECDSA key as SEC1 PEM matching its public key, and refuses a key that is not exportable', () => {
    const pem = ok('export_signing_ecdsa').data.keys['1'];
    expect(pem).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    const derived = createPublicKey(createPrivateKey(pem)).export({ format: 'der', type: 'spki' });
    expect(derived.equals(publicKey('read_ecdsa-p256').export({ format: 'der', type: 'spki' }))).toBe(true);
    expectRaised('export_not_exportable', 'InvalidRequest', 'private key material is not exportable');
  });

  it('draws random bytes and hashes, checked locally', () => {
    expect(unb64(ok('random_default').data.random_bytes)).toHaveLength(32);
    expect(ok('random_hex').data.random_bytes).toMatch(/^[0-9a-f]{32}$/);
    expect(ok('hash_default').data.sum).toBe(createHash('sha256').update(MESSAGE).digest('hex'));
    expect(ok('hash_sha2-512_base64').data.sum).toBe(createHash('sha512').update(MESSAGE).digest('base64'));
  });

  it('deletes only once deletion_allowed, then reads 404 and lists without the key', () => {
    expectRaised('delete_refused', 'InvalidRequest', /deletion is not allowed for this key/);
    expect(ok('config_deletion').data).toMatchObject({ name: 'hv-ed25519', deletion_allowed: true });
    expect(ok('delete')).toEqual({ status: 204, body: '' });
    expectRaised('read_deleted', 'InvalidPath');
    expect(ok('list_after_delete').data.keys).not.toContain('hv-ed25519');
    expect(ok('list_after_delete').data.keys).toContain('hv-ecdsa-p256');
  });
});

describeRefusals(ON_PKCS11 ? ['chacha20-poly1305 keys', 'derived keys', 'hmac with an aes256-gcm96 key'] : []);
