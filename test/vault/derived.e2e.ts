import { randomBytes } from 'node:crypto';
import { ON_PKCS11, backendHolds, describeRefusals, noteRefusal } from '../support/backend';
import { startGateway, type Gateway } from '../support/server';
import { type VaultClient, b64, expectRefusal, parseVersioned, raw, unb64, vaultClient, vaultTenant } from './support';

/**
 * Derived keys, convergent encryption and ChaCha20-Poly1305 keys through node-vault: the read
 * answer's fields, a context on every operation (encrypt, decrypt, rewrap, datakey, batches) and
 * Vault's refusals without one, deterministic ciphertexts of convergent keys, upsert of derived
 * and convergent keys. The subkeys' bytes are checked against local HKDF in export.e2e.ts. On
 * SoftHSM2 the per-context subkeys and ChaCha20 keys are refused as unsupported (asserted).
 */
let gw: Gateway;
let v: VaultClient;
let token: string;

beforeAll(async () => {
  gw = await startGateway();
  token = await vaultTenant(gw, 'vault-derived');
  v = vaultClient(gw, token);
}, 60000);
afterAll(async () => {
  await gw.stop();
  gw.cleanup();
});

const SUBKEYS_REFUSED = /per-context subkeys are not available on the pkcs11 backend/;
const ctx = (s: string) => b64(s);
const encrypt = async (name: string, plaintext: string, extra: Record<string, unknown> = {}) =>
  (await v.write(`transit/encrypt/${name}`, { plaintext: b64(plaintext), ...extra })).data;
const decrypt = async (name: string, ciphertext: string, extra: Record<string, unknown> = {}) =>
  unb64((await v.write(`transit/decrypt/${name}`, { ciphertext, ...extra })).data.plaintext).toString();

/** On SoftHSM2 an encryption under a subkey is refused (asserted and recorded). */
async function subkeyRefused(name: string, extra: Record<string, unknown> = { context: ctx('c') }): Promise<void> {
  await expectRefusal(v.write(`transit/encrypt/${name}`, { plaintext: b64('x'), ...extra }), 400, SUBKEYS_REFUSED);
  noteRefusal('derived keys', 'the pkcs11 backend computes no subkeys: the key would have to leave the token');
}

/** A test of the derived key `name`: its body where subkeys are computed, the refusal on SoftHSM2. */
async function withSubkeys(name: string, body: () => Promise<void>): Promise<void> {
  if (ON_PKCS11) await subkeyRefused(name);
  else await body();
}

describe('derived keys', () => {
  it('reads derived and convergent keys as Vault does (kdf, convergent_encryption, its version)', async () => {
    const plain = (await v.write('transit/keys/not-derived', {})).data;
    expect(plain.derived).toBe(false);
    expect(plain.kdf).toBeUndefined();
    expect(plain.convergent_encryption).toBeUndefined();
    const derived = (await v.write('transit/keys/derived', { derived: true })).data;
    expect(derived).toMatchObject({ derived: true, kdf: 'hkdf_sha256', convergent_encryption: false, supports_derivation: true });
    expect(derived.convergent_encryption_version).toBeUndefined();
    const convergent = (await v.read('transit/keys/' + (await v.write('transit/keys/convergent', { derived: 'true', convergent_encryption: true })).data.name)).data;
    expect(convergent).toMatchObject({ derived: true, kdf: 'hkdf_sha256', convergent_encryption: true, convergent_encryption_version: 3 });
  });

  it('encrypts under the subkey of the context; decryption needs the same context', async () => {
    await v.write('transit/keys/per-user', { derived: true });
    await withSubkeys('per-user', async () => {
      const alice = await encrypt('per-user', 'for alice', { context: ctx('alice') });
      expect(parseVersioned(alice.ciphertext).bytes).toHaveLength(12 + 9 + 16);
      expect(await decrypt('per-user', alice.ciphertext, { context: ctx('alice') })).toBe('for alice');
      await expectRefusal(v.write('transit/decrypt/per-user', { ciphertext: alice.ciphertext, context: ctx('bob') }), 400, 'cipher: message authentication failed');
      const missing =
        "missing 'context' for key derivation; the key was created using a derived key, which means additional, per-request information must be included in order to perform operations with the key";
      await expectRefusal(v.write('transit/decrypt/per-user', { ciphertext: alice.ciphertext }), 400, missing);
      await expectRefusal(v.write('transit/encrypt/per-user', { plaintext: b64('x') }), 400, missing);
      await expectRefusal(v.write('transit/encrypt/per-user', { plaintext: b64('x'), context: 'not base64!' }), 400, 'failed to base64-decode context');
      // Not convergent: the same input twice gives two ciphertexts.
      expect((await encrypt('per-user', 'for alice', { context: ctx('alice') })).ciphertext).not.toBe(alice.ciphertext);
      // A context given for a key that is not derived is ignored, as Vault ignores it.
      await v.write('transit/keys/plain', {});
      const plain = await encrypt('plain', 'p', { context: ctx('ignored') });
      expect(await decrypt('plain', plain.ciphertext)).toBe('p');
    });
  });

  it('rewraps and makes data keys with the context, and after a rotation opens the older version under its own subkey', async () => {
    await v.write('transit/keys/rotating-derived', { derived: true });
    await withSubkeys('rotating-derived', async () => {
      const c = { context: ctx('tenant-7') };
      const v1 = await encrypt('rotating-derived', 'under v1', c);
      await v.write('transit/keys/rotating-derived/rotate', {});
      const re = (await v.write('transit/rewrap/rotating-derived', { ciphertext: v1.ciphertext, ...c })).data;
      expect(parseVersioned(re.ciphertext).version).toBe(2);
      expect(await decrypt('rotating-derived', re.ciphertext, c)).toBe('under v1');
      expect(await decrypt('rotating-derived', v1.ciphertext, c)).toBe('under v1');
      await expectRefusal(v.write('transit/rewrap/rotating-derived', { ciphertext: v1.ciphertext }), 400, /missing 'context'/);
      const dk = (await v.write('transit/datakey/plaintext/rotating-derived', { bits: 128, ...c })).data;
      const opened = (await v.write('transit/decrypt/rotating-derived', { ciphertext: dk.ciphertext, ...c })).data.plaintext;
      expect(opened).toBe(dk.plaintext);
      await expectRefusal(v.write('transit/datakey/wrapped/rotating-derived', {}), 400, /missing 'context'/);
    });
  });

  it('runs batches with a context per item; a batch with and without contexts is refused', async () => {
    await v.write('transit/keys/batch-derived', { derived: true });
    await withSubkeys('batch-derived', async () => {
      const batch_input = ['a', 'b', 'c'].map((who) => ({ plaintext: b64(`for ${who}`), context: ctx(who), reference: who }));
      const enc = (await v.write('transit/encrypt/batch-derived', { batch_input })).data.batch_results;
      const dec = (
        await v.write('transit/decrypt/batch-derived', {
          batch_input: enc.map((r: { ciphertext: string; reference: string }) => ({ ciphertext: r.ciphertext, context: ctx(r.reference) })),
        })
      ).data.batch_results;
      expect(dec.map((r: { plaintext: string }) => unb64(r.plaintext).toString())).toEqual(['for a', 'for b', 'for c']);
      const crossed = await raw(gw, 'POST', 'transit/decrypt/batch-derived', token, {
        batch_input: [
          { ciphertext: enc[0].ciphertext, context: ctx('a') },
          { ciphertext: enc[1].ciphertext, context: ctx('a') },
        ],
      });
      expect(crossed.status).toBe(400);
      expect(crossed.body.data.batch_results).toEqual([
        { plaintext: b64('for a'), reference: '' },
        { error: 'cipher: message authentication failed', reference: '' },
      ]);
      await expectRefusal(
        v.write('transit/encrypt/batch-derived', { batch_input: [{ plaintext: b64('x'), context: ctx('a') }, { plaintext: b64('y') }] }),
        400,
        'context should be set either in all the request blocks or in none',
      );
    });
  });
});

describe('convergent encryption', () => {
  it('gives equal ciphertexts for equal (context, associated data, plaintext), and only then', async () => {
    await v.write('transit/keys/conv', { derived: true, convergent_encryption: true });
    await withSubkeys('conv', async () => {
      const a = await encrypt('conv', 'same', { context: ctx('k') });
      expect((await encrypt('conv', 'same', { context: ctx('k') })).ciphertext).toBe(a.ciphertext);
      // A nonce is ignored, as Vault ignores it for keys made since 0.6.2.
      expect((await encrypt('conv', 'same', { context: ctx('k'), nonce: b64(randomBytes(12)) })).ciphertext).toBe(a.ciphertext);
      expect((await encrypt('conv', 'same', { context: ctx('other') })).ciphertext).not.toBe(a.ciphertext);
      expect((await encrypt('conv', 'other', { context: ctx('k') })).ciphertext).not.toBe(a.ciphertext);
      expect(await decrypt('conv', a.ciphertext, { context: ctx('k') })).toBe('same');
      await v.write('transit/keys/conv/rotate', {});
      const rotated = await encrypt('conv', 'same', { context: ctx('k') });
      expect(rotated.key_version).toBe(2);
      expect(rotated.ciphertext).not.toBe(a.ciphertext);
      expect(await decrypt('conv', a.ciphertext, { context: ctx('k') })).toBe('same');
    });
  });

  it('upserts a derived key for a context, convergent when asked, with Vault refusals', async () => {
    await expectRefusal(
      v.write('transit/encrypt/up-conv-bad', { plaintext: b64('x'), convergent_encryption: true }),
      400,
      'convergent encryption requires derivation to be enabled, so context is required',
    );
    await expectRefusal(v.read('transit/keys/up-conv-bad'), 404);
    if (ON_PKCS11) {
      await subkeyRefused('up-derived');
      await subkeyRefused('up-conv', { context: ctx('c'), convergent_encryption: true });
    } else {
      const made = await encrypt('up-derived', 'x', { context: ctx('c') });
      expect(await decrypt('up-derived', made.ciphertext, { context: ctx('c') })).toBe('x');
      const first = await encrypt('up-conv', 'x', { context: ctx('c'), convergent_encryption: true });
      expect((await encrypt('up-conv', 'x', { context: ctx('c') })).ciphertext).toBe(first.ciphertext);
    }
    // The keys were made before the backend refused to use them, as Vault makes them before encrypting.
    expect((await v.read('transit/keys/up-derived')).data).toMatchObject({ type: 'aes256-gcm96', derived: true, convergent_encryption: false });
    expect((await v.read('transit/keys/up-conv')).data).toMatchObject({ derived: true, convergent_encryption: true, convergent_encryption_version: 3 });
  });
});

describe('chacha20-poly1305 keys', () => {
  it('are made, read, and encrypt, decrypt, rewrap and make data keys (derived too)', async () => {
    const create = v.write('transit/keys/chacha', { type: 'chacha20-poly1305' });
    if (!backendHolds('chacha20-poly1305')) {
      await expectRefusal(create, 400, "key spec chacha20-poly1305 is not supported by backend 'pkcs11'");
      await expectRefusal(v.write('transit/encrypt/chacha-up', { plaintext: b64('x'), type: 'chacha20-poly1305' }), 400, /not supported by backend 'pkcs11'/);
      await expectRefusal(v.read('transit/keys/chacha'), 404);
      noteRefusal('chacha20-poly1305 keys', 'SoftHSM2 has no ChaCha20');
    } else {
      await chachaKeys(create);
    }
  });
});

/** What a ChaCha20-Poly1305 key does where the backend holds it. */
async function chachaKeys(create: Promise<any>): Promise<void> {
  expect((await create).data).toMatchObject({ type: 'chacha20-poly1305', supports_encryption: true, supports_decryption: true, supports_derivation: true });
  const enc = await encrypt('chacha', 'chacha plaintext', { associated_data: b64('aad') });
  expect(parseVersioned(enc.ciphertext).bytes).toHaveLength(12 + 16 + 16);
  expect(await decrypt('chacha', enc.ciphertext, { associated_data: b64('aad') })).toBe('chacha plaintext');
  await expectRefusal(v.write('transit/decrypt/chacha', { ciphertext: enc.ciphertext }), 400, 'cipher: message authentication failed');
  await v.write('transit/keys/chacha/rotate', {});
  const re = (await v.write('transit/rewrap/chacha', { ciphertext: enc.ciphertext, associated_data: b64('aad') })).data;
  expect(re.key_version).toBe(2);
  const dk = (await v.write('transit/datakey/plaintext/chacha', {})).data;
  expect((await v.write('transit/decrypt/chacha', { ciphertext: dk.ciphertext })).data.plaintext).toBe(dk.plaintext);
  // Upsert with the type, and a derived ChaCha20 key.
  await encrypt('chacha-up', 'x', { type: 'chacha20-poly1305' });
  expect((await v.read('transit/keys/chacha-up')).data.type).toBe('chacha20-poly1305');
  await v.write('transit/keys/chacha-derived', { type: 'chacha20-poly1305', derived: true, convergent_encryption: true });
  const d1 = await encrypt('chacha-derived', 'same', { context: ctx('c') });
  expect((await encrypt('chacha-derived', 'same', { context: ctx('c') })).ciphertext).toBe(d1.ciphertext);
  expect(await decrypt('chacha-derived', d1.ciphertext, { context: ctx('c') })).toBe('same');
}

describeRefusals(ON_PKCS11 ? ['chacha20-poly1305 keys', 'derived keys'] : []);
