import { constants, createCipheriv, createDecipheriv, createHmac, createPublicKey, generateKeyPairSync, publicEncrypt, randomBytes, verify as nodeVerify } from 'node:crypto';
import { describeRefusals } from '../support/backend';
import { startGateway, type Gateway } from '../support/server';
import { type VaultClient, b64, expectRefusal, parseVersioned, raw, unb64, vaultClient, vaultTenant } from './support';

/**
 * BYOK through the real gateway: keys wrapped here as Vault's docs say (RSA-OAEP of a one-off
 * AES-256 key with the tenant's wrapping key, then AES-KWP (RFC 5649) of the key material, node's
 * `id-aes256-wrap-pad`), imported, and proven in use by what only the known key can do locally:
 * open the gateway's ciphertexts (docs/vault.md's layout), reproduce its HMACs, verify its
 * signatures. The same on SoftHSM2: the material goes to the token through the core's import.
 */
let gw: Gateway;
let v: VaultClient;
let other: VaultClient;
let token: string;
let otherToken: string;
let wrappingPem: string;

beforeAll(async () => {
  gw = await startGateway();
  token = await vaultTenant(gw, 'vault-byok');
  otherToken = await vaultTenant(gw, 'vault-byok-other');
  v = vaultClient(gw, token);
  other = vaultClient(gw, otherToken);
  wrappingPem = (await v.read('transit/wrapping_key')).data.public_key;
}, 120000);
afterAll(async () => {
  await gw.stop();
  gw.cleanup();
});

const NODE_HASH: Record<string, string> = { SHA1: 'sha1', SHA224: 'sha224', SHA256: 'sha256', SHA384: 'sha384', SHA512: 'sha512' };

/** Vault's import ciphertext for `material`, wrapped for the wrapping key `pem`. */
function wrapForImport(material: Buffer, hashFunction = 'SHA256', pem = wrappingPem): string {
  const ephemeral = randomBytes(32);
  const head = publicEncrypt({ key: pem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: NODE_HASH[hashFunction] }, ephemeral);
  const kwp = createCipheriv('id-aes256-wrap-pad', ephemeral, Buffer.from('a65959a6', 'hex'));
  return b64(Buffer.concat([head, kwp.update(material), kwp.final()]));
}

/** Opens a `vault:vN:` AES-GCM ciphertext (nonce ‖ ciphertext ‖ tag) with the key the test knows. */
function open(key: Buffer, ciphertext: string): string {
  const { bytes } = parseVersioned(ciphertext);
  const d = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
  d.setAuthTag(bytes.subarray(bytes.length - 16));
  return Buffer.concat([d.update(bytes.subarray(12, bytes.length - 16)), d.final()]).toString();
}

/** A `vault:v<N>:` AES-GCM ciphertext made here with the known key, for the gateway to open. */
function seal(key: Buffer, version: number, plaintext: string): string {
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return `vault:v${version}:${b64(Buffer.concat([nonce, body, c.getAuthTag()]))}`;
}

const encrypt = async (name: string, plaintext: string) => (await v.write(`transit/encrypt/${name}`, { plaintext: b64(plaintext) })).data.ciphertext as string;
const decrypt = async (name: string, ciphertext: string) => unb64((await v.write(`transit/decrypt/${name}`, { ciphertext })).data.plaintext).toString();
const importKey = (name: string, body: Record<string, unknown>, who = token) => raw(gw, 'POST', `transit/keys/${name}/import`, who, body);

describe('the wrapping key', () => {
  it("is the tenant's RSA-4096 public key in PEM, the same on every read, another tenant's another, and no transit key", async () => {
    const key = createPublicKey(wrappingPem);
    expect(wrappingPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(4096);
    const again = await raw(gw, 'GET', 'transit/wrapping_key', token);
    expect(again.status).toBe(200);
    expect(again.body.data).toEqual({ public_key: wrappingPem });
    const theirs = (await other.read('transit/wrapping_key')).data.public_key as string;
    expect(theirs).not.toBe(wrappingPem);
    // The wrapping key is internal: a tenant with no keys of its own still lists nothing.
    expect((await raw(gw, 'GET', 'transit/keys?list=true', otherToken)).status).toBe(404);
    expect((await raw(gw, 'POST', 'transit/wrapping_key', token, {})).status).toBe(405);
  });
});

describe('import', () => {
  it('imports a known AES-256 key: its ciphertexts open here with that key, and ours open there', async () => {
    const known = randomBytes(32);
    const made = await importKey('byok-aes', { ciphertext: wrapForImport(known), type: 'aes256-gcm96' });
    expect(made).toEqual({ status: 204, body: null });
    const read = (await v.read('transit/keys/byok-aes')).data;
    expect(read).toMatchObject({ name: 'byok-aes', type: 'aes256-gcm96', imported_key: true, imported_key_allow_rotation: false, latest_version: 1, exportable: false });
    const ct = await encrypt('byok-aes', 'imported material in use');
    expect(ct).toMatch(/^vault:v1:/);
    expect(open(known, ct)).toBe('imported material in use');
    expect(await decrypt('byok-aes', seal(known, 1, 'made with the known key'))).toBe('made with the known key');
  });

  it('imports an HMAC key (48 bytes, the hash_function SHA-512): its HMACs are the known key’s', async () => {
    const known = randomBytes(48);
    expect((await importKey('byok-hmac', { ciphertext: wrapForImport(known, 'SHA512'), hash_function: 'SHA512', type: 'hmac' })).status).toBe(204);
    expect((await v.read('transit/keys/byok-hmac')).data).toMatchObject({ type: 'hmac', key_size: 48, imported_key: true });
    const mac = (await v.write('transit/hmac/byok-hmac/sha2-384', { input: b64('authenticated') })).data.hmac as string;
    const local = createHmac('sha384', known).update('authenticated').digest();
    expect(parseVersioned(mac)).toEqual({ version: 1, bytes: local });
  });

  it('imports an EC P-256 key (PKCS#8, OAEP with SHA-1): read shows its public key, and its signatures verify locally', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = pair.privateKey.export({ format: 'der', type: 'pkcs8' });
    expect((await importKey('byok-ec', { ciphertext: wrapForImport(der, 'SHA1'), hash_function: 'sha1', type: 'ecdsa-p256' })).status).toBe(204);
    const read = (await v.read('transit/keys/byok-ec')).data;
    expect(read.keys['1'].public_key).toBe(pair.publicKey.export({ format: 'pem', type: 'spki' }));
    const signed = (await v.write('transit/sign/byok-ec/sha2-256', { input: b64('signed with my key') })).data.signature as string;
    expect(nodeVerify('sha256', Buffer.from('signed with my key'), pair.publicKey, parseVersioned(signed).bytes)).toBe(true);
  });

  it('keeps exportable, allow_plaintext_backup and derived, and exports the imported bytes', async () => {
    const known = randomBytes(32);
    expect((await importKey('byok-export', { ciphertext: wrapForImport(known), exportable: true, allow_plaintext_backup: 'true' })).status).toBe(204);
    expect((await v.read('transit/keys/byok-export')).data).toMatchObject({ exportable: true, allow_plaintext_backup: true, type: 'aes256-gcm96' });
    expect(unb64((await v.read('transit/export/encryption-key/byok-export/1')).data.keys['1']).equals(known)).toBe(true);
    expect((await importKey('byok-derived', { ciphertext: wrapForImport(randomBytes(32)), derived: true })).status).toBe(204);
    expect((await v.read('transit/keys/byok-derived')).data).toMatchObject({ derived: true, kdf: 'hkdf_sha256' });
  });
});

describe('import_version', () => {
  it('makes the material the latest version; both versions decrypt, each under its own known key', async () => {
    const k1 = randomBytes(32);
    const k2 = randomBytes(32);
    expect((await importKey('byok-versions', { ciphertext: wrapForImport(k1) })).status).toBe(204);
    const ct1 = await encrypt('byok-versions', 'under version 1');
    const imported = await raw(gw, 'POST', 'transit/keys/byok-versions/import_version', token, { ciphertext: wrapForImport(k2, 'SHA384'), hash_function: 'SHA384' });
    expect(imported).toEqual({ status: 204, body: null });
    expect((await v.read('transit/keys/byok-versions')).data).toMatchObject({ latest_version: 2, imported_key: true });
    const ct2 = await encrypt('byok-versions', 'under version 2');
    expect(ct2).toMatch(/^vault:v2:/);
    expect(open(k2, ct2)).toBe('under version 2');
    expect(open(k1, ct1)).toBe('under version 1');
    expect(await decrypt('byok-versions', ct1)).toBe('under version 1');
    expect(await decrypt('byok-versions', ct2)).toBe('under version 2');
    expect(await decrypt('byok-versions', seal(k1, 1, 'v1 again'))).toBe('v1 again');
  });

  it('takes a new EC version whose signatures verify with the new public key', async () => {
    const first = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const second = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pkcs8 = (k: typeof first) => k.privateKey.export({ format: 'der', type: 'pkcs8' });
    expect((await importKey('byok-ec-versions', { type: 'ecdsa-p256', ciphertext: wrapForImport(pkcs8(first)) })).status).toBe(204);
    expect((await raw(gw, 'POST', 'transit/keys/byok-ec-versions/import_version', token, { ciphertext: wrapForImport(pkcs8(second)) })).status).toBe(204);
    const read = (await v.read('transit/keys/byok-ec-versions')).data;
    expect(read.keys['2'].public_key).toBe(second.publicKey.export({ format: 'pem', type: 'spki' }));
    const signed = parseVersioned((await v.write('transit/sign/byok-ec-versions', { input: b64('v2') })).data.signature);
    expect(signed.version).toBe(2);
    expect(nodeVerify('sha256', Buffer.from('v2'), second.publicKey, signed.bytes)).toBe(true);
  });
});

describe('rotation of imported keys', () => {
  it('is refused without allow_rotation, and makes a gateway version with it', async () => {
    expect((await importKey('byok-fixed', { ciphertext: wrapForImport(randomBytes(32)) })).status).toBe(204);
    await expectRefusal(v.write('transit/keys/byok-fixed/rotate', {}), 400, 'imported key byok-fixed does not allow rotation within Vault');
    await expectRefusal(v.write('transit/keys/byok-fixed/config', { auto_rotate_period: '24h' }), 400, 'imported key byok-fixed does not allow rotation within Vault');
    const r = await importKey('byok-fixed2', { ciphertext: wrapForImport(randomBytes(32)), auto_rotate_period: '24h' });
    expect(r).toEqual({ status: 400, body: { errors: ['allow_rotation must be set to true if auto-rotation is enabled'] } });

    const known = randomBytes(32);
    expect((await importKey('byok-rotating', { ciphertext: wrapForImport(known), allow_rotation: true, auto_rotate_period: '24h' })).status).toBe(204);
    expect((await v.read('transit/keys/byok-rotating')).data).toMatchObject({ imported_key_allow_rotation: true, auto_rotate_period: 86400 });
    const ct1 = await encrypt('byok-rotating', 'before rotation');
    expect((await v.write('transit/keys/byok-rotating/rotate', {})).data.latest_version).toBe(2);
    const ct2 = await encrypt('byok-rotating', 'after rotation');
    expect(ct2).toMatch(/^vault:v2:/);
    expect(() => open(known, ct2)).toThrow();
    expect(await decrypt('byok-rotating', ct1)).toBe('before rotation');
  });
});

describe('refusals', () => {
  it('refuses a ciphertext that does not open: too short, not OAEP for this key, the wrong hash_function, a broken AES-KWP', async () => {
    const short = await importKey('bad-1', { ciphertext: b64(randomBytes(512)) });
    expect(short).toEqual({ status: 400, body: { errors: ['provided ciphertext is too short'] } });
    const garbage = await importKey('bad-2', { ciphertext: b64(randomBytes(600)) });
    expect(garbage).toEqual({ status: 400, body: { errors: ['crypto/rsa: decryption error'] } });
    const wrongHash = await importKey('bad-3', { ciphertext: wrapForImport(randomBytes(32), 'SHA256'), hash_function: 'SHA1' });
    expect(wrongHash).toEqual({ status: 400, body: { errors: ['crypto/rsa: decryption error'] } });
    const unknownHash = await importKey('bad-4', { ciphertext: wrapForImport(randomBytes(32)), hash_function: 'MD5' });
    expect(unknownHash).toEqual({ status: 400, body: { errors: ['unknown hash function: MD5'] } });
    const good = unb64(wrapForImport(randomBytes(32)));
    good[good.length - 1] ^= 1;
    const broken = await importKey('bad-5', { ciphertext: b64(good) });
    expect(broken.status).toBe(400);
    expect(broken.body.errors).toEqual(['failed to unwrap the key: the AES-KWP integrity check failed']);
    expect((await importKey('bad-6', { ciphertext: 'not base64!' })).status).toBe(400);
    expect(await importKey('bad-7', {})).toEqual({ status: 400, body: { errors: ['one of the following fields, ciphertext xor public_key, has to be set'] } });
    // None of them made a key.
    for (const n of ['bad-1', 'bad-2', 'bad-3', 'bad-4', 'bad-5', 'bad-6', 'bad-7']) expect((await raw(gw, 'GET', `transit/keys/${n}`, token)).status).toBe(404);
  });

  it('refuses material of the wrong size or type', async () => {
    const small = await importKey('bad-size', { ciphertext: wrapForImport(randomBytes(16)), type: 'aes256-gcm96' });
    expect(small).toEqual({ status: 400, body: { errors: ['invalid key size 16 bytes for key type aes256-gcm96'] } });
    const hmac = await importKey('bad-hmac', { ciphertext: wrapForImport(randomBytes(16)), type: 'hmac' });
    expect(hmac).toEqual({ status: 400, body: { errors: ['invalid key size 16 bytes for key type hmac'] } });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'der', type: 'pkcs8' });
    const curve = await importKey('bad-curve', { ciphertext: wrapForImport(p384), type: 'ecdsa-p256' });
    expect(curve.status).toBe(400);
    expect(curve.body.errors[0]).toMatch(/not a valid ec-p256 key/);
    const notPkcs8 = await importKey('bad-der', { ciphertext: wrapForImport(randomBytes(32)), type: 'ecdsa-p256' });
    expect(notPkcs8.status).toBe(400);
    expect(notPkcs8.body.errors[0]).toMatch(/not a valid ec-p256 key/);
    expect(await importKey('bad-type', { ciphertext: wrapForImport(randomBytes(32)), type: 'aes512' })).toEqual({ status: 400, body: { errors: ['unknown key type: aes512'] } });
    const convergent = await importKey('bad-conv', { ciphertext: wrapForImport(randomBytes(32)), derived: true, convergent_encryption: true });
    expect(convergent.body.errors).toEqual(['import cannot be used on keys with convergent encryption enabled']);
    // An HMAC version of another size than the key's.
    expect((await importKey('byok-hmac32', { ciphertext: wrapForImport(randomBytes(32)), type: 'hmac' })).status).toBe(204);
    const resized = await raw(gw, 'POST', 'transit/keys/byok-hmac32/import_version', token, { ciphertext: wrapForImport(randomBytes(64)) });
    expect(resized.status).toBe(400);
    expect(resized.body.errors[0]).toMatch(/^invalid key size 64 bytes for key type hmac/);
    for (const n of ['bad-size', 'bad-hmac', 'bad-curve', 'bad-der', 'bad-type', 'bad-conv']) expect((await raw(gw, 'GET', `transit/keys/${n}`, token)).status).toBe(404);
  });

  it('refuses importing over an existing key, and import_version of a key made here or of nothing', async () => {
    await v.write('transit/keys/made-here', {});
    const over = await importKey('made-here', { ciphertext: wrapForImport(randomBytes(32)) });
    expect(over).toEqual({ status: 400, body: { errors: ['the import path cannot be used with an existing key; use import-version to rotate an existing imported key'] } });
    const version = await raw(gw, 'POST', 'transit/keys/made-here/import_version', token, { ciphertext: wrapForImport(randomBytes(32)) });
    expect(version).toEqual({ status: 400, body: { errors: ['the import_version endpoint can only be used with an imported key'] } });
    const none = await raw(gw, 'POST', 'transit/keys/nothing-here/import_version', token, { ciphertext: wrapForImport(randomBytes(32)) });
    expect(none).toEqual({ status: 400, body: { errors: ['no key found with name nothing-here; to import a new key, use the import/ endpoint'] } });
    // Importing over an imported key too.
    expect((await importKey('byok-aes', { ciphertext: wrapForImport(randomBytes(32)) })).status).toBe(400);
    expect((await v.read('transit/keys/made-here')).data.latest_version).toBe(1);
  });

  it("keeps tenants apart: another tenant's key is not found by its UUID, and a ciphertext for our wrapping key does not open for them", async () => {
    const id = (await v.read('transit/keys/byok-aes')).data.id as string;
    const theirs = await raw(gw, 'POST', `transit/keys/${id}/import_version`, otherToken, { ciphertext: wrapForImport(randomBytes(32)) });
    expect(theirs).toEqual({ status: 400, body: { errors: [`no key found with name ${id}; to import a new key, use the import/ endpoint`] } });
    const over = await importKey(id, { ciphertext: wrapForImport(randomBytes(32)) }, otherToken);
    expect(over.status).toBe(400);
    expect(over.body.errors[0]).toMatch(/may not have the form of a key id/);
    // Wrapped for our wrapping key, sent by the other tenant: its own wrapping key cannot open it.
    expect((await importKey('stolen', { ciphertext: wrapForImport(randomBytes(32)) }, otherToken)).body.errors).toEqual(['crypto/rsa: decryption error']);
    expect(await decrypt('byok-aes', await encrypt('byok-aes', 'still ours'))).toBe('still ours');
  });
});

// SoftHSM2 takes imported material (C_CreateObject) as the software engine does: nothing here is refused on it.
describeRefusals([]);
