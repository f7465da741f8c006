import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateKeyCommand, DecryptCommand, EncryptCommand, SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import { awsCredential, bytes, contextAad, kmsClient, parseBlob } from '../aws/support';
import { HemClient } from '../encedo/hem-client';
import { cli, startGateway, type Gateway } from '../support/server';
import { type VaultClient, b64, parseVersioned, unb64, vaultClient, vaultTenant } from './support';

/**
 * Vault transit with JOSE, Encedo and AWS on one tenant's keys (eHSM is in cross-dialect.e2e.ts).
 * Every dialect lays AES-GCM out its own way around the same nonce, ciphertext, tag and AAD, so a
 * ciphertext made through one, re-laid, opens through another only if the same material is in use:
 * - Vault: `vault:vN:` base64(nonce ‖ ciphertext ‖ tag), AAD = `associated_data`;
 * - JOSE: a flattened JWE, AAD = the ASCII of its protected header (RFC 7516 §5.1);
 * - Encedo: `ciphertext`, `iv` and `tag` fields, no AAD, and a 16-byte nonce that Vault's layout
 *   cannot carry (so AES keys cross as HMAC keys do: by equal MACs);
 * - AWS: the blob of docs/aws.md, AAD = the canonical EncryptionContext.
 * Signatures cross the same way: raw r‖s (JOSE, Encedo, Vault's `jws` marshaling) or DER (AWS,
 * Vault's default `asn1`).
 */
const PASS = 'vault cross dialect passphrase';
const b64u = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const hex = (uuid: string) => uuid.replace(/-/g, '');
const uuid = (h: string) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;

let gw: Gateway;
let v: VaultClient;
let joseToken: string;
let hem: HemClient;
let aws: KMSClient;

beforeAll(async () => {
  gw = await startGateway();
  v = vaultClient(gw, await vaultTenant(gw, 'vault-all'));
  joseToken = (await cli(gw.dataDir, ['credential', 'jose', 'vault-all'])).json.token;
  const file = join(gw.dataDir, 'pass.txt');
  writeFileSync(file, PASS);
  expect((await cli(gw.dataDir, ['credential', 'encedo', 'vault-all', '--passphrase-file', file])).code).toBe(0);
  hem = new HemClient(gw.url, PASS);
  aws = kmsClient(gw, await awsCredential(gw, 'vault-all'));
}, 120000);
afterAll(async () => {
  aws?.destroy();
  await gw.stop();
  gw.cleanup();
});

async function jose(path: string, body: unknown) {
  const res = await fetch(`${gw.url}/v1/crypto/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${joseToken}` },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as any;
}

const vaultGcm = (parts: { iv: Buffer; ciphertext: Buffer; tag: Buffer }, version = 1) => `vault:v${version}:${b64(Buffer.concat([parts.iv, parts.ciphertext, parts.tag]))}`;
function gcmParts(vaultCiphertext: string) {
  const { bytes: b } = parseVersioned(vaultCiphertext);
  return { iv: b.subarray(0, 12), ciphertext: b.subarray(12, b.length - 16), tag: b.subarray(b.length - 16) };
}
const vaultDecrypt = async (name: string, ciphertext: string, aad?: Buffer) =>
  unb64((await v.write(`transit/decrypt/${name}`, { ciphertext, ...(aad ? { associated_data: b64(aad) } : {}) })).data.plaintext).toString();
const vaultEncrypt = async (name: string, plaintext: string, aad?: Buffer) =>
  (await v.write(`transit/encrypt/${name}`, { plaintext: b64(plaintext), ...(aad ? { associated_data: b64(aad) } : {}) })).data.ciphertext as string;

/** The AWS blob (docs/aws.md): 0x01 ‖ key UUID ‖ version u32 ‖ IV ‖ tag ‖ ciphertext. */
function awsBlob(keyId: string, version: number, p: { iv: Buffer; ciphertext: Buffer; tag: Buffer }): Buffer {
  const v32 = Buffer.alloc(4);
  v32.writeUInt32BE(version);
  return Buffer.concat([Buffer.from([1]), Buffer.from(hex(keyId), 'hex'), v32, p.iv, p.tag, p.ciphertext]);
}

describe('a Vault-made AES key', () => {
  let id: string;
  beforeAll(async () => {
    await v.write('transit/keys/ledger', { type: 'aes256-gcm96' });
    id = (await v.read('transit/keys/ledger')).data.id as string;
  });

  it('opens a JOSE JWE re-laid, with the protected header as associated_data', async () => {
    const jwe = await jose('encrypt', { kid: id, alg: 'dir', enc: 'A256GCM', data: b64u('sealed through JOSE') });
    const parts = { iv: Buffer.from(jwe.iv, 'base64url'), ciphertext: Buffer.from(jwe.ciphertext, 'base64url'), tag: Buffer.from(jwe.tag, 'base64url') };
    expect(await vaultDecrypt('ledger', vaultGcm(parts), Buffer.from(jwe.protected, 'ascii'))).toBe('sealed through JOSE');
    // Without the protected header the tag does not match: the AAD is really checked.
    await expect(vaultDecrypt('ledger', vaultGcm(parts))).rejects.toThrow();
  });

  it('is reachable through Encedo by its UUID as 32 hex digits, where GCM nonces differ in size', async () => {
    // Encedo's GCM nonces are 16 bytes (its spec's size; a 12-byte one is refused), and Vault's
    // layout carries 12: neither side's ciphertext has a form on the other. The key itself works.
    const enc = await hem.use(hex(id), '/api/crypto/cipher/encrypt', { alg: 'AES256-GCM', msg: b64('sealed through Encedo') });
    expect(enc.status).toBe(200);
    expect(unb64(enc.body.iv)).toHaveLength(16);
    const dec = await hem.use(hex(id), '/api/crypto/cipher/decrypt', { alg: 'AES256-GCM', msg: enc.body.ciphertext, iv: enc.body.iv, tag: enc.body.tag });
    expect(unb64(dec.body.plaintext).toString()).toBe('sealed through Encedo');
  });

  it('is used through AWS by its UUID, both ways, with the EncryptionContext as associated_data', async () => {
    const context = { tenant: 'vault-all', purpose: 'cross' };
    const enc = await aws.send(new EncryptCommand({ KeyId: id, Plaintext: Buffer.from('sealed through AWS'), EncryptionContext: context }));
    const blob = parseBlob(bytes(enc.CiphertextBlob));
    expect([blob.keyId, blob.version]).toEqual([id, 1]);
    expect(await vaultDecrypt('ledger', vaultGcm(blob), contextAad(context))).toBe('sealed through AWS');

    const back = gcmParts(await vaultEncrypt('ledger', 'sealed through Vault', contextAad(context)));
    const dec = await aws.send(new DecryptCommand({ CiphertextBlob: awsBlob(id, 1, back), EncryptionContext: context }));
    expect(Buffer.from(bytes(dec.Plaintext)).toString()).toBe('sealed through Vault');
  });
});

describe('a Vault-made ECDSA P-256 key', () => {
  let id: string;
  const message = Buffer.from('one key, every dialect');
  beforeAll(async () => {
    await v.write('transit/keys/signer', { type: 'ecdsa-p256' });
    id = (await v.read('transit/keys/signer')).data.id as string;
  });
  const vaultVerifies = async (input: Buffer, signature: string, marshaling: 'asn1' | 'jws') =>
    (await v.write('transit/verify/signer', { input: b64(input), signature, hash_algorithm: 'sha2-256', marshaling_algorithm: marshaling })).data.valid as boolean;

  it('verifies a JOSE ES256 signature (raw r‖s over protected.data) with jws marshaling', async () => {
    const data = b64u(message);
    const signed = await jose('sign', { kid: id, alg: 'ES256', data });
    const input = Buffer.from(`${signed.protected}.${data}`);
    expect(await vaultVerifies(input, `vault:v1:${signed.signature}`, 'jws')).toBe(true);
    expect(await vaultVerifies(Buffer.from('other input'), `vault:v1:${signed.signature}`, 'jws')).toBe(false);
  });

  it('verifies an Encedo SHA256WithECDSA signature, and Encedo verifies Vault’s', async () => {
    const signed = await hem.use(hex(id), '/api/crypto/exdsa/sign', { msg: b64(message), alg: 'SHA256WithECDSA' });
    expect(signed.status).toBe(200);
    expect(await vaultVerifies(message, `vault:v1:${b64u(unb64(signed.body.sign))}`, 'jws')).toBe(true);

    const fromVault = (await v.write('transit/sign/signer', { input: b64(message), hash_algorithm: 'sha2-256', marshaling_algorithm: 'jws' })).data.signature as string;
    const raw = Buffer.from(fromVault.split(':')[2], 'base64url');
    const verified = await hem.use(hex(id), '/api/crypto/exdsa/verify', { msg: b64(message), alg: 'SHA256WithECDSA', sign: b64(raw) });
    expect(verified.status).toBe(200);
  });

  it('verifies an AWS ECDSA_SHA_256 signature (DER) with asn1 marshaling', async () => {
    const signed = await aws.send(new SignCommand({ KeyId: id, Message: message, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }));
    expect(await vaultVerifies(message, `vault:v1:${b64(bytes(signed.Signature))}`, 'asn1')).toBe(true);
  });
});

it('an AWS-made key is used through Vault by its UUID, and AWS opens the re-laid Vault ciphertext', async () => {
  const made = await aws.send(new CreateKeyCommand({ Description: 'made through AWS' }));
  const id = made.KeyMetadata!.KeyId!;
  expect((await v.read(`transit/keys/${id}`)).data).toMatchObject({ name: id, id, type: 'aes256-gcm96', latest_version: 1 });
  const sealed = await vaultEncrypt(id, 'sealed through Vault by UUID', contextAad());
  expect(await vaultDecrypt(id, sealed, contextAad())).toBe('sealed through Vault by UUID');
  const dec = await aws.send(new DecryptCommand({ CiphertextBlob: awsBlob(id, 1, gcmParts(sealed)) }));
  expect(Buffer.from(bytes(dec.Plaintext)).toString()).toBe('sealed through Vault by UUID');
});

it('an Encedo-made P-256 key signs through Vault by its UUID, and Encedo verifies it', async () => {
  const created = await hem.call('POST', '/api/keymgmt/create', { label: 'from-hem', type: 'SECP256R1', mode: 'ECDH,ExDSA' }, await hem.token('keymgmt:gen'));
  expect(created.status).toBe(200);
  const id = uuid(created.body.kid);
  expect((await v.read(`transit/keys/${id}`)).data).toMatchObject({ name: id, id, type: 'ecdsa-p256' });
  const message = Buffer.from('signed through Vault');
  const signature = (await v.write(`transit/sign/${id}`, { input: b64(message), hash_algorithm: 'sha2-256', marshaling_algorithm: 'jws' })).data.signature as string;
  const raw = Buffer.from(signature.split(':')[2], 'base64url');
  const verified = await hem.use(created.body.kid, '/api/crypto/exdsa/verify', { msg: b64(message), alg: 'SHA256WithECDSA', sign: b64(raw) });
  expect(verified.status).toBe(200);
  const wrong = await hem.use(created.body.kid, '/api/crypto/exdsa/verify', { msg: b64('another message'), alg: 'SHA256WithECDSA', sign: b64(raw) });
  expect(wrong.status).not.toBe(200);
});

it('a Vault-made HMAC key gives Encedo’s MAC, and an Encedo-verified MAC verifies in Vault', async () => {
  await v.write('transit/keys/mac', { type: 'hmac', key_size: 32 });
  const id = (await v.read('transit/keys/mac')).data.id as string;
  const message = Buffer.from('one MAC, two dialects');
  const fromVault = (await v.write('transit/hmac/mac', { input: b64(message), algorithm: 'sha2-256' })).data.hmac as string;
  const mac = fromVault.split(':')[2];
  const fromEncedo = await hem.use(hex(id), '/api/crypto/hmac/hash', { msg: b64(message) });
  expect(fromEncedo.status).toBe(200);
  expect(fromEncedo.body.mac).toBe(mac);
  expect((await v.write('transit/verify/mac', { input: b64(message), hmac: `vault:v1:${fromEncedo.body.mac}`, algorithm: 'sha2-256' })).data.valid).toBe(true);
});
