import { constants, createPublicKey, type JsonWebKey, publicEncrypt, randomBytes, verify as nodeVerify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  GenerateMacCommand,
  GetPublicKeyCommand,
  KMSClient,
  ListKeysCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  TagResourceCommand,
  UpdateKeyDescriptionCommand,
  type CreateKeyCommandInput,
  type KeyMetadata,
} from '@aws-sdk/client-kms';
import { HemClient } from '../encedo/hem-client';
import { signedEhsmBody } from '../support/ehsm-sign';
import { cli, startGateway, type Gateway } from '../support/server';
import { awsCredential, bytes, kmsClient, openBlobLocally, parseBlob } from './support';

/**
 * One tenant, four dialects, one key store: a key made through AWS is used by its UUID through
 * eHSM (keyid), JOSE (kid) and Encedo (the UUID as 32 hex digits), and keys made through eHSM,
 * JOSE and Encedo are used through AWS. State set through one dialect holds in the others.
 */
const PASS = 'aws cross dialect passphrase';
const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64');
const b64u = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const hex = (uuid: string) => uuid.replace(/-/g, '');
const uuid = (h: string) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;

let gw: Gateway;
let kms: KMSClient;
let joseToken: string;
let app: { appid: string; apikey: string };
let hem: HemClient;

async function ehsm(action: string, payload: Record<string, unknown>) {
  const res = await fetch(`${gw.url}/ehsm?Action=${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: signedEhsmBody(app, payload) });
  expect(res.status).toBe(200);
  return (await res.json()) as { code: number; message: string; result: any };
}
async function jose(path: string, body: unknown) {
  const res = await fetch(`${gw.url}/v1/crypto/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${joseToken}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any };
}
const create = async (input: CreateKeyCommandInput = {}): Promise<KeyMetadata> => (await kms.send(new CreateKeyCommand(input))).KeyMetadata!;
const describeKey = async (KeyId: string) => (await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!;

beforeAll(async () => {
  gw = await startGateway();
  expect((await cli(gw.dataDir, ['tenant', 'create', 'aws-shared'])).code).toBe(0);
  kms = kmsClient(gw, await awsCredential(gw, 'aws-shared'));
  joseToken = (await cli(gw.dataDir, ['credential', 'jose', 'aws-shared'])).json.token;
  app = (await cli(gw.dataDir, ['credential', 'ehsm', 'aws-shared'])).json;
  const file = join(gw.dataDir, 'pass.txt');
  writeFileSync(file, PASS);
  expect((await cli(gw.dataDir, ['credential', 'encedo', 'aws-shared', '--passphrase-file', file])).code).toBe(0);
  hem = new HemClient(gw.url, PASS);
}, 90000);
afterAll(async () => {
  await gw.stop();
  gw.cleanup();
});

describe('keys made through AWS', () => {
  it('a SYMMETRIC_DEFAULT key encrypts and decrypts through eHSM, JOSE and Encedo by its UUID', async () => {
    const m = await create({ Description: 'made by AWS' });
    const keyid = m.KeyId!;

    const enc = await ehsm('Encrypt', { keyid, plaintext: b64('through eHSM'), aad: b64('ehsm aad') });
    expect(enc.code).toBe(200);
    const dec = await ehsm('Decrypt', { keyid, ciphertext: enc.result.ciphertext, aad: b64('ehsm aad') });
    expect(Buffer.from(dec.result.plaintext, 'base64').toString()).toBe('through eHSM');

    const data = b64u('through JOSE');
    const jwe = await jose('encrypt', { kid: keyid, alg: 'dir', enc: 'A256GCM', data });
    expect(jwe.status).toBe(200);
    expect((await jose('decrypt', jwe.json)).json).toEqual({ kid: keyid, data });

    const kid = hex(keyid);
    const hemEnc = await hem.use(kid, '/api/crypto/cipher/encrypt', { alg: 'AES256-GCM', msg: b64('through Encedo') });
    expect(hemEnc.status).toBe(200);
    const hemDec = await hem.use(kid, '/api/crypto/cipher/decrypt', { alg: 'AES256-GCM', msg: hemEnc.body.ciphertext, iv: hemEnc.body.iv, tag: hemEnc.body.tag });
    expect(Buffer.from(hemDec.body.plaintext, 'base64').toString()).toBe('through Encedo');

    // Disabled through AWS, it is disabled for every dialect; enabled again, for every dialect too.
    await kms.send(new DisableKeyCommand({ KeyId: keyid }));
    expect((await ehsm('Encrypt', { keyid, plaintext: b64('x') })).code).not.toBe(200);
    expect((await jose('encrypt', { kid: keyid, alg: 'dir', enc: 'A256GCM', data })).status).toBe(422);
    expect((await hem.use(kid, '/api/crypto/cipher/encrypt', { alg: 'AES256-GCM', msg: b64('x') })).status).not.toBe(200);
    await kms.send(new EnableKeyCommand({ KeyId: keyid }));
    expect((await ehsm('Decrypt', { keyid, ciphertext: enc.result.ciphertext, aad: b64('ehsm aad') })).code).toBe(200);
    expect((await jose('decrypt', jwe.json)).status).toBe(200);
  });

  it('rotated through AWS: eHSM ciphertexts of the old version still decrypt, new ones use the new version everywhere', async () => {
    const m = await create();
    const keyid = m.KeyId!;
    const before = await ehsm('Encrypt', { keyid, plaintext: b64('before rotation') });
    const jweBefore = await jose('encrypt', { kid: keyid, alg: 'dir', enc: 'A256GCM', data: b64u('jwe before') });
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyid }));
    const versions = await cli(gw.dataDir, ['key', 'versions', keyid]);
    expect(versions.code).toBe(0);
    expect(JSON.stringify(versions.json)).toContain('"version":2');
    expect(Buffer.from((await ehsm('Decrypt', { keyid, ciphertext: before.result.ciphertext })).result.plaintext, 'base64').toString()).toBe('before rotation');
    expect((await jose('decrypt', jweBefore.json)).json.data).toBe(b64u('jwe before'));
    const after = await kms.send(new EncryptCommand({ KeyId: keyid, Plaintext: Buffer.from('after rotation') }));
    expect(parseBlob(after.CiphertextBlob!).version).toBe(2);
    const ehsmAfter = await ehsm('Encrypt', { keyid, plaintext: b64('eHSM after') });
    expect(Buffer.from((await ehsm('Decrypt', { keyid, ciphertext: ehsmAfter.result.ciphertext })).result.plaintext, 'base64').toString()).toBe('eHSM after');
  });

  it('an ECC_NIST_P256 signing key signs through JOSE, eHSM and Encedo; each signature verifies with the AWS public key', async () => {
    const m = await create({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    const pub = createPublicKey({ key: bytes((await kms.send(new GetPublicKeyCommand({ KeyId: m.KeyId }))).PublicKey), format: 'der', type: 'spki' });
    const msg = Buffer.from('signed through another dialect');

    const jws = await jose('sign', { kid: m.KeyId, alg: 'ES256', data: b64u(msg) });
    expect(jws.status).toBe(200);
    expect(nodeVerify('sha256', Buffer.from(`${jws.json.protected}.${b64u(msg)}`), { key: pub, dsaEncoding: 'ieee-p1363' }, Buffer.from(jws.json.signature, 'base64url'))).toBe(
      true,
    );
    expect((await jose('verify', { ...jws.json, data: b64u(msg) })).json.valid).toBe(true);

    const e = await ehsm('Sign', { keyid: m.KeyId, message: b64(msg), message_type: 'EH_RAW', digest_mode: 'EH_SHA_256', padding_mode: 'EH_RSA_PKCS1' });
    expect(e.code).toBe(200);
    expect(nodeVerify('sha256', msg, pub, Buffer.from(e.result.signature, 'base64'))).toBe(true);
    // eHSM's public key is the AWS one.
    const pem = (await ehsm('GetPublicKey', { keyid: m.KeyId })).result.pubkey;
    expect(
      createPublicKey(pem)
        .export({ format: 'der', type: 'spki' })
        .equals(pub.export({ format: 'der', type: 'spki' })),
    ).toBe(true);

    const h = await hem.use(hex(m.KeyId!), '/api/crypto/exdsa/sign', { msg: b64(msg), alg: 'SHA256WithECDSA' });
    expect(h.status).toBe(200);
    expect(nodeVerify('sha256', msg, { key: pub, dsaEncoding: 'ieee-p1363' }, Buffer.from(h.body.sign, 'base64'))).toBe(true);
  });

  it('an HMAC_256 key MACs through JOSE as through AWS', async () => {
    const m = await create({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const msg = Buffer.from('authenticated twice');
    const aws = bytes((await kms.send(new GenerateMacCommand({ KeyId: m.KeyId, Message: msg, MacAlgorithm: 'HMAC_SHA_256' }))).Mac);
    const j = await jose('mac', { kid: m.KeyId, alg: 'HS256', data: b64u(msg) });
    expect(j.status).toBe(200);
    expect(Buffer.from(j.json.mac, 'base64url').equals(aws)).toBe(true);
  });

  it("description, tags and aliases set through AWS are the core key's; the CLI's aliases are AWS aliases", async () => {
    const m = await create();
    await kms.send(new UpdateKeyDescriptionCommand({ KeyId: m.KeyId, Description: 'described through AWS' }));
    await kms.send(new TagResourceCommand({ KeyId: m.KeyId, Tags: [{ TagKey: 'dialect', TagValue: 'aws' }] }));
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/from-aws', TargetKeyId: m.KeyId }));
    const shown = await cli(gw.dataDir, ['key', 'show', m.KeyId!]);
    expect(shown.code).toBe(0);
    expect(shown.json).toMatchObject({ id: m.KeyId, description: 'described through AWS', tags: { dialect: 'aws' } });
    expect(JSON.stringify((await cli(gw.dataDir, ['key', 'alias', 'list', 'aws-shared'])).json)).toContain('from-aws');
    expect((await cli(gw.dataDir, ['key', 'alias', 'set', 'aws-shared', 'from-cli', m.KeyId!])).code).toBe(0);
    expect((await describeKey('alias/from-cli')).KeyId).toBe(m.KeyId);
  });

  it('scheduled for deletion through AWS, the key is refused by every dialect', async () => {
    const m = await create();
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: m.KeyId, PendingWindowInDays: 7 }));
    expect((await ehsm('Encrypt', { keyid: m.KeyId, plaintext: b64('x') })).code).not.toBe(200);
    expect((await jose('encrypt', { kid: m.KeyId, alg: 'dir', enc: 'A256GCM', data: 'eA' })).status).not.toBe(200);
    expect((await hem.use(hex(m.KeyId!), '/api/crypto/cipher/encrypt', { alg: 'AES256-GCM', msg: b64('x') })).status).not.toBe(200);
  });
});

describe('keys made through the other dialects, used through AWS', () => {
  it('an eHSM AES-256 key: SYMMETRIC_DEFAULT through AWS', async () => {
    const created = await ehsm('CreateKey', { keyspec: 'EH_AES_GCM_256', origin: 'EH_INTERNAL_KEY', keyusage: 'EH_KEYUSAGE_ENCRYPT_DECRYPT' });
    const keyid = created.result.keyid as string;
    expect(await describeKey(keyid)).toMatchObject({ KeyId: keyid, KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', KeyState: 'Enabled', Origin: 'AWS_KMS' });
    const enc = await kms.send(new EncryptCommand({ KeyId: keyid, Plaintext: Buffer.from('eHSM key, AWS blob'), EncryptionContext: { by: 'aws' } }));
    expect(parseBlob(enc.CiphertextBlob!).keyId).toBe(keyid);
    expect(bytes((await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { by: 'aws' } }))).Plaintext).toString()).toBe('eHSM key, AWS blob');
    // Disabled through eHSM: AWS says DisabledException.
    expect((await ehsm('DisableKey', { keyid })).code).toBe(200);
    expect((await describeKey(keyid)).KeyState).toBe('Disabled');
    await expect(kms.send(new EncryptCommand({ KeyId: keyid, Plaintext: Buffer.from('x') }))).rejects.toMatchObject({ name: 'DisabledException' });
    expect((await ehsm('EnableKey', { keyid })).code).toBe(200);
  });

  it("an eHSM EC P-256 key and RSA key sign through AWS; the signatures verify with eHSM's public keys", async () => {
    const msg = Buffer.from('eHSM key, AWS signature');
    for (const [keyspec, SigningAlgorithm, check] of [
      ['EH_EC_P256', 'ECDSA_SHA_256', {}],
      ['EH_RSA_2048', 'RSASSA_PSS_SHA_256', { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }],
    ] as const) {
      const created = await ehsm('CreateKey', { keyspec, origin: 'EH_INTERNAL_KEY', keyusage: 'EH_KEYUSAGE_SIGN_VERIFY' });
      const keyid = created.result.keyid as string;
      expect((await describeKey(keyid)).KeyUsage).toBe('SIGN_VERIFY');
      const pem = (await ehsm('GetPublicKey', { keyid })).result.pubkey;
      const sig = bytes((await kms.send(new SignCommand({ KeyId: keyid, Message: msg, SigningAlgorithm }))).Signature);
      expect([keyspec, nodeVerify('sha256', msg, { key: createPublicKey(pem), ...check }, sig)]).toEqual([keyspec, true]);
      const v = await ehsm('Verify', {
        keyid,
        message: b64(msg),
        message_type: 'EH_RAW',
        digest_mode: 'EH_SHA_256',
        padding_mode: keyspec === 'EH_RSA_2048' ? 'EH_RSA_PKCS1_PSS' : 'EH_RSA_PKCS1',
        signature: b64(sig),
      });
      expect([keyspec, v.result]).toEqual([keyspec, { result: true }]);
    }
  });

  it('a JOSE A256GCM key of known material: the AWS blob opens locally with it', async () => {
    const material = randomBytes(32);
    const made = await jose('keys', { kty: 'oct', alg: 'dir', k: b64u(material) });
    expect(made.status).toBe(200);
    const kid = made.json.kid as string;
    const enc = await kms.send(new EncryptCommand({ KeyId: kid, Plaintext: Buffer.from('JOSE key, AWS blob'), EncryptionContext: { via: 'jose' } }));
    expect(openBlobLocally(material, enc.CiphertextBlob!, { via: 'jose' }).toString()).toBe('JOSE key, AWS blob');
  });

  it('a JOSE ES384 key signs through AWS; the signature verifies with the JOSE JWK', async () => {
    const made = await jose('keys', { kty: 'EC', crv: 'P-384', alg: 'ES384' });
    expect(made.status).toBe(200);
    const msg = Buffer.from('JOSE key, AWS signature');
    expect(await describeKey(made.json.kid)).toMatchObject({ KeySpec: 'ECC_NIST_P384', SigningAlgorithms: ['ECDSA_SHA_384'] });
    const sig = bytes((await kms.send(new SignCommand({ KeyId: made.json.kid, Message: msg, SigningAlgorithm: 'ECDSA_SHA_384' }))).Signature);
    const jwks = (await (await fetch(`${gw.url}/.well-known/jwks.json`, { headers: { authorization: `Bearer ${joseToken}` } })).json()) as { keys: JsonWebKey[] };
    const jwk = jwks.keys.find((k) => (k as { kid?: string }).kid === made.json.kid_public);
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-384' });
    expect(nodeVerify('sha384', msg, createPublicKey({ key: jwk!, format: 'jwk' }), sig)).toBe(true);
  });

  it('a JOSE RSA-OAEP-256 key decrypts through AWS what was encrypted locally with its JWK', async () => {
    const made = await jose('keys', { kty: 'RSA', alg: 'RSA-OAEP-256', bits: 2048 });
    expect(made.status).toBe(200);
    expect(await describeKey(made.json.kid)).toMatchObject({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
    const jwks = (await (await fetch(`${gw.url}/.well-known/jwks.json`, { headers: { authorization: `Bearer ${joseToken}` } })).json()) as { keys: JsonWebKey[] };
    const jwk = jwks.keys.find((k) => (k as { kid?: string }).kid === made.json.kid_public);
    expect(jwk).toMatchObject({ kty: 'RSA' });
    const pub = createPublicKey({ key: jwk!, format: 'jwk' });
    const ct = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from('to a JOSE key'));
    const dec = await kms.send(new DecryptCommand({ KeyId: made.json.kid, CiphertextBlob: ct, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }));
    expect(bytes(dec.Plaintext).toString()).toBe('to a JOSE key');
  });

  it('an Encedo AES256 key encrypts through AWS; an Encedo SHA2-256 key gives the same MAC through AWS and Encedo', async () => {
    const aesKey = await hem.call('POST', '/api/keymgmt/create', { label: 'hem-aes', type: 'AES256' }, await hem.token('keymgmt:gen'));
    expect(aesKey.status).toBe(200);
    const id = uuid(aesKey.body.kid);
    const enc = await kms.send(new EncryptCommand({ KeyId: id, Plaintext: Buffer.from('Encedo key, AWS blob') }));
    expect(bytes((await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).Plaintext).toString()).toBe('Encedo key, AWS blob');

    const macKey = await hem.call('POST', '/api/keymgmt/create', { label: 'hem-mac', type: 'SHA2-256' }, await hem.token('keymgmt:gen'));
    expect(macKey.status).toBe(200);
    const macId = uuid(macKey.body.kid);
    expect(await describeKey(macId)).toMatchObject({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const msg = Buffer.from('MAC through AWS and Encedo');
    const aws = bytes((await kms.send(new GenerateMacCommand({ KeyId: macId, Message: msg, MacAlgorithm: 'HMAC_SHA_256' }))).Mac);
    const h = await hem.use(macKey.body.kid, '/api/crypto/hmac/hash', { msg: b64(msg) });
    expect(h.status).toBe(200);
    expect(Buffer.from(h.body.mac, 'base64').equals(aws)).toBe(true);
  });

  it('AWS ListKeys lists the keys of every dialect; eHSM lists those it has a key spec for', async () => {
    const awsIds = new Set((await kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys!.map((k) => k.KeyId));
    const ehsmIds: string[] = (await ehsm('ListKey', {})).result.list.map((k: { keyid: string }) => k.keyid);
    expect(ehsmIds.length).toBeGreaterThan(5);
    expect(ehsmIds.filter((id) => !awsIds.has(id))).toEqual([]);
    // eHSM has no HMAC key spec: the HMAC keys (made through AWS and Encedo) are the ones it leaves out.
    const awsOnly = [...awsIds].filter((id) => !ehsmIds.includes(id!));
    expect(awsOnly).toHaveLength(2);
    for (const id of awsOnly) expect((await describeKey(id!)).KeySpec).toBe('HMAC_256');
  });
});
