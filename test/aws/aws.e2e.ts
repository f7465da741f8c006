import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetPublicKeyCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeysCommand,
  SignCommand,
  VerifyCommand,
  CreateGrantCommand,
} from '@aws-sdk/client-kms';
import { cli, startGateway, type Gateway } from '../support/server';

/** The AWS KMS dialect through the real AWS SDK for JavaScript v3, SigV4 and all, on loopback. */
let gw: Gateway;
let kms: KMSClient;
let creds: { accessKeyId: string; secretAccessKey: string };

const client = (c: { accessKeyId: string; secretAccessKey: string }, region = 'eu-west-3') => new KMSClient({ endpoint: gw.url, region, credentials: c, maxAttempts: 1 });

/** The exception name and message an SDK call failed with. */
async function refusal(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('the call succeeded');
}

beforeAll(async () => {
  gw = await startGateway();
  expect((await cli(gw.dataDir, ['tenant', 'create', 'aws-a'])).code).toBe(0);
  creds = (await cli(gw.dataDir, ['credential', 'aws', 'aws-a'])).json;
  expect(creds.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
  kms = client(creds);
});
afterAll(() => gw?.stop());

describe('AWS KMS through @aws-sdk/client-kms', () => {
  it('creates a symmetric key, encrypts and decrypts with an encryption context, refuses a wrong one', async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'orders', Tags: [{ TagKey: 'team', TagValue: 'core' }] }));
    expect(KeyMetadata).toMatchObject({ KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', KeyState: 'Enabled', Origin: 'AWS_KMS', Description: 'orders', Enabled: true });
    expect(KeyMetadata!.Arn).toBe(`arn:aws:kms:eu-west-3:${KeyMetadata!.AWSAccountId}:key/${KeyMetadata!.KeyId}`);
    const ctx = { purpose: 'test', tenant: 'a' };
    const enc = await kms.send(new EncryptCommand({ KeyId: KeyMetadata!.KeyId, Plaintext: Buffer.from('hello aws'), EncryptionContext: ctx }));
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { tenant: 'a', purpose: 'test' } }));
    expect(Buffer.from(dec.Plaintext!).toString()).toBe('hello aws');
    expect(dec.KeyId).toBe(KeyMetadata!.Arn);
    expect(await refusal(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { purpose: 'other' } })))).toMatchObject({
      name: 'InvalidCiphertextException',
      status: 400,
    });
    const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: KeyMetadata!.Arn, KeySpec: 'AES_256' }));
    expect(dk.Plaintext).toHaveLength(32);
    const back = await kms.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob }));
    expect(Buffer.from(back.Plaintext!).equals(Buffer.from(dk.Plaintext!))).toBe(true);
  });

  it('aliases name keys; an EC key signs and its public key verifies locally', async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }));
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/signer', TargetKeyId: KeyMetadata!.KeyId }));
    const aliases = await kms.send(new ListAliasesCommand({}));
    expect(aliases.Aliases).toEqual([expect.objectContaining({ AliasName: 'alias/signer', TargetKeyId: KeyMetadata!.KeyId })]);
    const described = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/signer' }));
    expect(described.KeyMetadata!.SigningAlgorithms).toEqual(['ECDSA_SHA_256']);
    const msg = Buffer.from('sign me');
    const { Signature } = await kms.send(new SignCommand({ KeyId: 'alias/signer', Message: msg, SigningAlgorithm: 'ECDSA_SHA_256' }));
    const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: KeyMetadata!.KeyId }));
    const pub = createPublicKey({ key: Buffer.from(PublicKey!), format: 'der', type: 'spki' });
    expect(nodeVerify('sha256', msg, pub, Buffer.from(Signature!))).toBe(true);
    expect((await kms.send(new VerifyCommand({ KeyId: KeyMetadata!.KeyId, Message: msg, Signature, SigningAlgorithm: 'ECDSA_SHA_256' }))).SignatureValid).toBe(true);
    expect(await refusal(kms.send(new VerifyCommand({ KeyId: KeyMetadata!.KeyId, Message: Buffer.from('other'), Signature, SigningAlgorithm: 'ECDSA_SHA_256' })))).toMatchObject({
      name: 'KMSInvalidSignatureException',
    });
    const listed = await kms.send(new ListKeysCommand({}));
    expect(listed.Keys!.map((k) => k.KeyId)).toContain(KeyMetadata!.KeyId);
  });

  it('refuses unknown access keys, wrong secrets, unknown keys and unserved operations in AWS terms', async () => {
    expect(await refusal(client({ accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: 'x' }).send(new ListKeysCommand({})))).toMatchObject({
      name: 'UnrecognizedClientException',
    });
    expect(await refusal(client({ ...creds, secretAccessKey: `${creds.secretAccessKey}x` }).send(new ListKeysCommand({})))).toMatchObject({
      name: 'InvalidSignatureException',
    });
    expect(await refusal(kms.send(new DescribeKeyCommand({ KeyId: '00000000-0000-4000-8000-000000000000' })))).toMatchObject({ name: 'NotFoundException' });
    expect(await refusal(kms.send(new CreateGrantCommand({ KeyId: '00000000-0000-4000-8000-000000000000', GranteePrincipal: 'x', Operations: ['Decrypt'] })))).toMatchObject({
      name: 'UnsupportedOperationException',
      message: expect.stringContaining('CreateGrant'),
    });
  });
});
