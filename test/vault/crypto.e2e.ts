import { createDecipheriv, randomBytes } from 'node:crypto';
import { describeRefusals } from '../support/backend';
import { cli, startGateway, type Gateway } from '../support/server';
import { type VaultClient, b64, expectEnvelope, expectRefusal, parseVersioned, raw, unb64, vaultClient, vaultTenant } from './support';

/**
 * Encrypt, decrypt, rewrap and data keys through node-vault: single items and batches (Vault's
 * status rules), associated data, key_version against min_encryption_version, rotation (old
 * ciphertexts open, rewrap moves them forward, min_decryption_version shuts old ones out), and the
 * AES-GCM layout (nonce ‖ ciphertext ‖ tag) opened locally for a key whose bytes the test knows
 * (imported through the JOSE dialect as an `oct` JWK, then used here by its UUID).
 */
let gw: Gateway;
let v: VaultClient;
let token: string;
let joseToken: string;

beforeAll(async () => {
  gw = await startGateway();
  token = await vaultTenant(gw, 'vault-crypto');
  v = vaultClient(gw, token);
  joseToken = (await cli(gw.dataDir, ['credential', 'jose', 'vault-crypto'])).json.token;
}, 60000);
afterAll(async () => {
  await gw.stop();
  gw.cleanup();
});

const encrypt = async (name: string, plaintext: Buffer, extra: Record<string, unknown> = {}) =>
  (await v.write(`transit/encrypt/${name}`, { plaintext: b64(plaintext), ...extra })).data;
const decrypt = async (name: string, ciphertext: string, extra: Record<string, unknown> = {}) =>
  unb64((await v.write(`transit/decrypt/${name}`, { ciphertext, ...extra })).data.plaintext);

describe('encrypt and decrypt', () => {
  it.each(['aes128-gcm96', 'aes256-gcm96', 'rsa-2048'])('round-trips with a %s key (node-vault encryptData / decryptData)', async (type) => {
    await v.write(`transit/keys/rt-${type}`, { type });
    for (const pt of [Buffer.from('the quick brown fox'), Buffer.alloc(0), randomBytes(190)]) {
      const enc = await v.encryptData({ name: `rt-${type}`, plaintext: b64(pt) });
      expectEnvelope(enc);
      expect(enc.data.key_version).toBe(1);
      const { version, bytes } = parseVersioned(enc.data.ciphertext);
      expect(version).toBe(1);
      expect(bytes.length).toBe(type.startsWith('rsa') ? 256 : 12 + pt.length + 16);
      expect(unb64((await v.decryptData({ name: `rt-${type}`, ciphertext: enc.data.ciphertext })).data.plaintext).equals(pt)).toBe(true);
    }
  });

  it('upserts: encrypting to a missing name creates an aes256-gcm96 key, as Vault with create capability', async () => {
    await expectRefusal(v.read('transit/keys/upserted'), 404);
    const enc = await encrypt('upserted', Buffer.from('made on the way'));
    expect((await v.read('transit/keys/upserted')).data.type).toBe('aes256-gcm96');
    expect((await decrypt('upserted', enc.ciphertext)).toString()).toBe('made on the way');
    await encrypt('upserted-128', Buffer.from('x'), { type: 'aes128-gcm96' });
    expect((await v.read('transit/keys/upserted-128')).data.type).toBe('aes128-gcm96');
    await expectRefusal(v.write('transit/encrypt/upsert-bad', { plaintext: b64('x'), type: 'ecdsa-p256' }), 400, 'key type ecdsa-p256 not supported for this operation');
  });

  it('authenticates associated_data (AEAD keys only)', async () => {
    await v.write('transit/keys/aad', {});
    const enc = await encrypt('aad', Buffer.from('bound'), { associated_data: b64('context A') });
    expect((await decrypt('aad', enc.ciphertext, { associated_data: b64('context A') })).toString()).toBe('bound');
    await expectRefusal(v.write('transit/decrypt/aad', { ciphertext: enc.ciphertext, associated_data: b64('context B') }), 400, 'cipher: message authentication failed');
    await expectRefusal(v.write('transit/decrypt/aad', { ciphertext: enc.ciphertext }), 400, 'cipher: message authentication failed');
    await v.write('transit/keys/aad-rsa', { type: 'rsa-2048' });
    await expectRefusal(v.write('transit/encrypt/aad-rsa', { plaintext: b64('x'), associated_data: b64('a') }), 400, 'associated data is only supported with AEAD key types');
  });

  it('refuses what Vault refuses, in its words', async () => {
    await v.write('transit/keys/refusals', {});
    await v.write('transit/keys/signer', { type: 'ed25519' });
    await expectRefusal(v.write('transit/encrypt/refusals', {}), 400, 'missing plaintext to encrypt');
    await expectRefusal(v.write('transit/encrypt/refusals', { plaintext: 'not base64!' }), 400, 'failed to base64-decode plaintext');
    await expectRefusal(v.write('transit/decrypt/refusals', { ciphertext: 'abc' }), 400, 'invalid ciphertext: no prefix');
    await expectRefusal(v.write('transit/decrypt/refusals', { ciphertext: 'vault:vx:abc' }), 400, 'invalid ciphertext: version number could not be decoded');
    await expectRefusal(v.write('transit/decrypt/refusals', { ciphertext: 'vault:v1:AAAA' }), 400, 'invalid ciphertext: too short');
    await expectRefusal(v.write('transit/decrypt/refusals', { ciphertext: `vault:v1:${b64(randomBytes(40))}` }), 400, 'cipher: message authentication failed');
    await expectRefusal(v.write('transit/decrypt/refusals', { ciphertext: `vault:v7:${b64(randomBytes(40))}` }), 400, 'invalid ciphertext: version is too new');
    await expectRefusal(v.write('transit/decrypt/never-made', { ciphertext: `vault:v1:${b64(randomBytes(40))}` }), 400, 'encryption key not found');
    await expectRefusal(v.write('transit/encrypt/signer', { plaintext: b64('x') }), 400, 'key type ed25519 does not support encryption');
    await expectRefusal(
      v.write('transit/encrypt/refusals', { plaintext: b64('x'), context: b64('a'), batch_input: [{ plaintext: b64('x'), context: b64('a') }, { plaintext: b64('y') }] }),
      400,
      'context should be set either in all the request blocks or in none',
    );
  });
});

describe('versions', () => {
  it('opens old ciphertexts after rotation, rewraps v1 to v2, and enforces min_decryption_version', async () => {
    await v.write('transit/keys/rotating', {});
    const v1 = await encrypt('rotating', Buffer.from('written under v1'));
    await v.write('transit/keys/rotating/rotate', {});
    const v2 = await encrypt('rotating', Buffer.from('written under v2'));
    expect(parseVersioned(v1.ciphertext).version).toBe(1);
    expect(parseVersioned(v2.ciphertext).version).toBe(2);
    expect((await decrypt('rotating', v1.ciphertext)).toString()).toBe('written under v1');
    const rewrapped = (await v.rewrapData({ name: 'rotating', ciphertext: v1.ciphertext })).data;
    expect(rewrapped.key_version).toBe(2);
    expect(parseVersioned(rewrapped.ciphertext).version).toBe(2);
    expect((await decrypt('rotating', rewrapped.ciphertext)).toString()).toBe('written under v1');
    await v.write('transit/keys/rotating/config', { min_decryption_version: 2 });
    await expectRefusal(v.write('transit/decrypt/rotating', { ciphertext: v1.ciphertext }), 400, 'ciphertext or signature version is disallowed by policy (too old)');
    await expectRefusal(v.write('transit/rewrap/rotating', { ciphertext: v1.ciphertext }), 400, 'ciphertext or signature version is disallowed by policy (too old)');
    expect((await decrypt('rotating', v2.ciphertext)).toString()).toBe('written under v2');
  });

  it('encrypts under key_version within [min_encryption_version, latest]', async () => {
    await v.write('transit/keys/pinned', {});
    await v.write('transit/keys/pinned/rotate', {});
    await v.write('transit/keys/pinned/rotate', {});
    expect(parseVersioned((await encrypt('pinned', Buffer.from('x'), { key_version: 1 })).ciphertext).version).toBe(1);
    expect((await encrypt('pinned', Buffer.from('x'), { key_version: '2' })).key_version).toBe(2);
    await expectRefusal(v.write('transit/encrypt/pinned', { plaintext: b64('x'), key_version: 4 }), 400, 'requested version for encryption is higher than the latest key version');
    await v.write('transit/keys/pinned/config', { min_encryption_version: 2 });
    await expectRefusal(
      v.write('transit/encrypt/pinned', { plaintext: b64('x'), key_version: 1 }),
      400,
      'requested version for encryption is less than the minimum encryption key version',
    );
    expect((await encrypt('pinned', Buffer.from('x'))).key_version).toBe(3);
    const rewrapped = (await v.write('transit/rewrap/pinned', { ciphertext: (await encrypt('pinned', Buffer.from('y'), { key_version: 2 })).ciphertext, key_version: 2 })).data;
    expect(rewrapped.key_version).toBe(2);
  });
});

describe('batches', () => {
  it('encrypts, decrypts and rewraps batch_input, echoing each reference', async () => {
    await v.write('transit/keys/batch', {});
    const items = ['one', 'two', 'three'].map((s, i) => ({ plaintext: b64(s), reference: `ref-${i}` }));
    const enc = (await v.write('transit/encrypt/batch', { batch_input: items })).data.batch_results;
    expect(enc.map((r: { reference: string }) => r.reference)).toEqual(['ref-0', 'ref-1', 'ref-2']);
    const dec = (await v.write('transit/decrypt/batch', { batch_input: enc.map((r: { ciphertext: string }) => ({ ciphertext: r.ciphertext })) })).data.batch_results;
    expect(dec.map((r: { plaintext: string }) => unb64(r.plaintext).toString())).toEqual(['one', 'two', 'three']);
    await v.write('transit/keys/batch/rotate', {});
    const re = (await v.write('transit/rewrap/batch', { batch_input: enc.map((r: { ciphertext: string }) => ({ ciphertext: r.ciphertext })) })).data.batch_results;
    expect(re.map((r: { ciphertext: string }) => parseVersioned(r.ciphertext).version)).toEqual([2, 2, 2]);
  });

  it('answers 400 with every item result when an item fails, or partial_failure_response_code when some succeeded', async () => {
    await v.write('transit/keys/partial', {});
    const good = (await encrypt('partial', Buffer.from('good'))).ciphertext;
    const batch_input = [{ ciphertext: good }, { ciphertext: 'vault:v1:AAAA' }];
    const failed = await raw(gw, 'POST', 'transit/decrypt/partial', token, { batch_input });
    expect(failed.status).toBe(400);
    expectEnvelope(failed.body);
    expect(failed.body.data.batch_results).toEqual([
      { plaintext: b64('good'), reference: '' },
      { error: 'invalid ciphertext: too short', reference: '' },
    ]);
    const overridden = await raw(gw, 'POST', 'transit/decrypt/partial', token, { batch_input, partial_failure_response_code: 207 });
    expect(overridden.status).toBe(207);
    const allFailed = await raw(gw, 'POST', 'transit/decrypt/partial', token, { batch_input: [batch_input[1]], partial_failure_response_code: 207 });
    expect(allFailed.status).toBe(400);
    await expectRefusal(v.write('transit/encrypt/partial', { batch_input: [] }), 400, 'missing batch input to process');
  });
});

describe('data keys', () => {
  it.each([128, 256, 512])('makes %i-bit data keys: plaintext answers the key, wrapped only its ciphertext', async (bits) => {
    await v.write('transit/keys/dk', {});
    const plain = (await v.write('transit/datakey/plaintext/dk', { bits })).data;
    expect(unb64(plain.plaintext)).toHaveLength(bits / 8);
    expect(plain.key_version).toBe(1);
    expect(unb64(await decrypt('dk', plain.ciphertext).then(b64)).equals(unb64(plain.plaintext))).toBe(true);
    const wrapped = (await v.write('transit/datakey/wrapped/dk', { bits })).data;
    expect(wrapped.plaintext).toBeUndefined();
    expect(await decrypt('dk', wrapped.ciphertext)).toHaveLength(bits / 8);
  });

  it('refuses other sizes and types', async () => {
    await v.write('transit/keys/dk2', { type: 'rsa-2048' });
    expect(await decrypt('dk2', (await v.write('transit/datakey/wrapped/dk2', {})).data.ciphertext)).toHaveLength(32);
    await expectRefusal(v.write('transit/datakey/plaintext/dk2', { bits: 192 }), 400, 'invalid bit length');
    await expectRefusal(v.write('transit/datakey/sideways/dk2', {}), 400, /invalid path/);
  });
});

describe('layout', () => {
  it('lays AES-GCM ciphertexts out as nonce ‖ ciphertext ‖ tag (opened locally with known key bytes)', async () => {
    const material = randomBytes(32);
    const res = await fetch(`${gw.url}/v1/crypto/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${joseToken}` },
      body: JSON.stringify({ kty: 'oct', alg: 'A256GCM', k: material.toString('base64url') }),
    });
    expect(res.status).toBe(200);
    const { kid } = (await res.json()) as { kid: string };
    expect((await v.read(`transit/keys/${kid}`)).data.type).toBe('aes256-gcm96');
    const enc = await encrypt(kid, Buffer.from('opened with known bytes'), { associated_data: b64('aad') });
    const { bytes } = parseVersioned(enc.ciphertext);
    const d = createDecipheriv('aes-256-gcm', material, bytes.subarray(0, 12));
    d.setAAD(Buffer.from('aad'));
    d.setAuthTag(bytes.subarray(bytes.length - 16));
    expect(Buffer.concat([d.update(bytes.subarray(12, bytes.length - 16)), d.final()]).toString()).toBe('opened with known bytes');
  });
});

describeRefusals([]);
