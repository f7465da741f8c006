import { CreateKeyCommand, DecryptCommand, EncryptCommand, SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { awsCredential, bytes, kmsClient } from '../aws/support';
import { describeRefusals } from '../support/backend';
import { cli, startGateway, type Gateway } from '../support/server';
import { type VaultClient, b64, expectRefusal, raw, unb64, vaultClient, vaultTenant, vaultToken } from './support';

/**
 * Tokens and tenants: what a missing, unknown, revoked, malformed or another tenant's token gets
 * (Vault's 403 "permission denied", alike), Bearer as well as X-Vault-Token, and isolation (a
 * second tenant sees none of the first's keys, even by UUID). Cross-dialect: a key made here is
 * used by its UUID through AWS and JOSE, and an AWS-made key here.
 */
let gw: Gateway;
let v: VaultClient;
let token: string;
let other: VaultClient;
let kms: KMSClient;
let joseToken: string;

beforeAll(async () => {
  // No credential cache: a revocation by the CLI holds at the next request.
  gw = await startGateway({ KMS_CACHE_TTL_MS: '0' });
  token = await vaultTenant(gw, 'vault-a');
  v = vaultClient(gw, token);
  other = vaultClient(gw, await vaultTenant(gw, 'vault-b'));
  kms = kmsClient(gw, await awsCredential(gw, 'vault-a'));
  joseToken = (await cli(gw.dataDir, ['credential', 'jose', 'vault-a'])).json.token;
}, 60000);
afterAll(async () => {
  await gw.stop();
  gw.cleanup();
});

describe('tokens', () => {
  const DENIED = { status: 403, body: { errors: ['permission denied'] } };

  it('refuses a missing, unknown, malformed or oversized token with 403 permission denied', async () => {
    expect(await raw(gw, 'GET', 'transit/keys?list=true', null)).toEqual(DENIED);
    expect(await raw(gw, 'GET', 'auth/token/lookup-self', null)).toEqual(DENIED);
    expect(await raw(gw, 'POST', 'transit/encrypt/x', 'hvs.unknown', { plaintext: b64('x') })).toEqual(DENIED);
    expect(await raw(gw, 'POST', 'transit/encrypt/x', `${token}x`, { plaintext: b64('x') })).toEqual(DENIED);
    expect(await raw(gw, 'POST', 'transit/random', 'x'.repeat(5000), {})).toEqual(DENIED);
    expect(await raw(gw, 'POST', 'transit/random', null, {}, { authorization: 'Basic abc' })).toEqual(DENIED);
    expect(await raw(gw, 'POST', 'transit/random', null, {}, { 'x-vault-token': '' })).toEqual(DENIED);
    await expectRefusal(vaultClient(gw, 'hvs.nope').read('transit/keys/x'), 403, 'permission denied');
    // An unknown token is refused before routing, as Vault checks the token first.
    expect(await raw(gw, 'GET', 'transit/no-such-path', 'hvs.nope')).toEqual(DENIED);
  });

  it('accepts Authorization: Bearer as well', async () => {
    const r = await raw(gw, 'POST', 'transit/random/4', null, {}, { authorization: `Bearer ${token}` });
    expect(r.status).toBe(200);
    expect(unb64(r.body.data.random_bytes)).toHaveLength(4);
  });

  it('stops a revoked token', async () => {
    const spare = await vaultToken(gw, 'vault-a');
    expect((await raw(gw, 'POST', 'transit/random', spare, {})).status).toBe(200);
    const listed = (await cli(gw.dataDir, ['credential', 'list', 'vault-a'])).json.filter((c: { kind: string }) => c.kind === 'vault-token');
    expect(listed.map((c: { lookup: string }) => c.lookup)).toEqual([expect.stringMatching(/^sha256:[0-9a-f]{12}…$/), expect.stringMatching(/^sha256:[0-9a-f]{12}…$/)]);
    expect((await cli(gw.dataDir, ['credential', 'revoke', 'vault-token', createHash('sha256').update(spare).digest('hex')])).json).toEqual({ revoked: true });
    expect(await raw(gw, 'POST', 'transit/random', spare, {})).toEqual(DENIED);
    expect((await raw(gw, 'POST', 'transit/random', token, {})).status).toBe(200);
  });
});

describe('tenant isolation', () => {
  it("shows a second tenant none of the first tenant's keys, by name or by UUID", async () => {
    const { data } = await v.write('transit/keys/private', { type: 'ecdsa-p256' });
    const ct = (await v.write('transit/encrypt/private-aes', { plaintext: b64('secret') })).data.ciphertext;
    await expectRefusal(other.read('transit/keys/private'), 404);
    await expectRefusal(other.read(`transit/keys/${data.id}`), 404);
    await expectRefusal(other.list('transit/keys'), 404);
    await expectRefusal(other.write(`transit/sign/${data.id}`, { input: b64('x') }), 400, 'signing key not found');
    await expectRefusal(other.write('transit/decrypt/private-aes', { ciphertext: ct }), 400, 'encryption key not found');
    const aesId = (await v.read('transit/keys/private-aes')).data.id;
    await expectRefusal(other.write(`transit/decrypt/${aesId}`, { ciphertext: ct }), 400, 'encryption key not found');
    await expectRefusal(other.write(`transit/keys/${aesId}/config`, { deletion_allowed: true }), 400, /no existing key named/);
    await expectRefusal(other.delete(`transit/keys/${aesId}`), 400, /could not delete key; not found/);
    // The other tenant's own key of the same name is its own.
    const theirs = (await other.write('transit/keys/private', {})).data;
    expect(theirs.id).not.toBe(data.id);
    expect((await v.read('transit/keys/private')).data.id).toBe(data.id);
  });
});

describe('cross-dialect', () => {
  it('uses a Vault-made key by its UUID through AWS and JOSE', async () => {
    const aes = (await v.write('transit/keys/shared-aes', {})).data;
    const enc = await kms.send(new EncryptCommand({ KeyId: aes.id, Plaintext: Buffer.from('via aws') }));
    expect(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).Plaintext!).toString()).toBe('via aws');
    const vaultCt = (await v.write('transit/encrypt/shared-aes', { plaintext: b64('via vault') })).data.ciphertext;
    expect(unb64((await v.write(`transit/decrypt/${aes.id}`, { ciphertext: vaultCt })).data.plaintext).toString()).toBe('via vault');
    const ec = (await v.write('transit/keys/shared-ec', { type: 'ecdsa-p256' })).data;
    const jws = await fetch(`${gw.url}/v1/crypto/sign`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${joseToken}` },
      body: JSON.stringify({ kid: ec.id, alg: 'ES256', data: Buffer.from('via jose').toString('base64url') }),
    });
    expect(jws.status).toBe(200);
    const { signature } = (await jws.json()) as { protected: string; signature: string };
    expect(signature.length).toBeGreaterThan(0);
    const pub = createPublicKey(ec.keys['1'].public_key);
    const awsSig = await kms.send(new SignCommand({ KeyId: ec.id, Message: Buffer.from('via aws'), SigningAlgorithm: 'ECDSA_SHA_256', MessageType: 'RAW' }));
    expect(nodeVerify('sha256', Buffer.from('via aws'), pub, bytes(awsSig.Signature))).toBe(true);
    expect((await v.write(`transit/verify/shared-ec`, { input: b64('via aws'), signature: `vault:v1:${b64(bytes(awsSig.Signature))}` })).data.valid).toBe(true);
  });

  it('uses an AWS-made key here by its UUID', async () => {
    const m = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const read = (await v.read(`transit/keys/${m.KeyId}`)).data;
    expect(read).toMatchObject({ id: m.KeyId, type: 'aes256-gcm96', supports_encryption: true });
    const ct = (await v.write(`transit/encrypt/${m.KeyId}`, { plaintext: b64('aws key, vault wire') })).data.ciphertext;
    expect(unb64((await v.write(`transit/decrypt/${m.KeyId}`, { ciphertext: ct })).data.plaintext).toString()).toBe('aws key, vault wire');
    const rsa = (await kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!;
    const sig = (await v.write(`transit/sign/${rsa.KeyId}`, { input: b64('rsa'), signature_algorithm: 'pkcs1v15' })).data.signature;
    expect((await v.write(`transit/verify/${rsa.KeyId}`, { input: b64('rsa'), signature: sig, signature_algorithm: 'pkcs1v15' })).data.valid).toBe(true);
    // An AWS signing key has no decrypt usage: Vault's type says encryption, the core refuses it.
    await expectRefusal(v.write(`transit/encrypt/${rsa.KeyId}`, { plaintext: b64('x') }), 400, /usage does not allow encrypt/);
  });
});

describeRefusals([]);
