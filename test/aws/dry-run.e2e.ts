import {
  CreateKeyCommand,
  DecryptCommand,
  DisableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateMacCommand,
  KMSClient,
  ReEncryptCommand,
  SignCommand,
  VerifyCommand,
  VerifyMacCommand,
  type KeyMetadata,
} from '@aws-sdk/client-kms';
import { cli, startGateway, type Gateway } from '../support/server';
import { awsTenant, kmsClient, refusal, refusedAs } from './support';

/**
 * DryRun: a request that would succeed answers DryRunOperationException (HTTP 412) with nothing
 * performed, and one that would fail answers as the operation would. The audit trail shows the
 * checks (`<usage>-dry-run`) and no operation.
 */
let gw: Gateway;
let kms: KMSClient;
let aes: KeyMetadata;
let ec: KeyMetadata;
let hmac: KeyMetadata;
let disabled: KeyMetadata;
let blob: Uint8Array;

const TENANT = 'aws-dry-run';
const create = async (input: ConstructorParameters<typeof CreateKeyCommand>[0] = {}) => (await kms.send(new CreateKeyCommand(input))).KeyMetadata!;
const auditOf = async (keyId: string) =>
  ((await cli(gw.dataDir, ['audit', '--tenant', TENANT, '--key', keyId, '--limit', '100'])).json as Array<{ operation: string; outcome: string }>).map(
    (r) => `${r.operation} ${r.outcome}`,
  );
const DRY = { name: 'DryRunOperationException', status: 412, message: 'The request would have succeeded, but the DryRun parameter was set.' };

beforeAll(async () => {
  gw = await startGateway();
  kms = kmsClient(gw, await awsTenant(gw, TENANT));
  aes = await create();
  ec = await create({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
  hmac = await create({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
  disabled = await create();
  blob = (await kms.send(new EncryptCommand({ KeyId: aes.KeyId, Plaintext: Buffer.from('dry'), EncryptionContext: { a: 'b' } }))).CiphertextBlob!;
  await kms.send(new DisableKeyCommand({ KeyId: disabled.KeyId }));
}, 60000);
afterAll(async () => {
  await gw.stop();
  gw.cleanup();
});

describe('DryRun', () => {
  it('answers DryRunOperationException (412) for each operation that would succeed, and performs none', async () => {
    const before = await auditOf(aes.KeyId!);
    const message = Buffer.from('message');
    const signature = (await kms.send(new SignCommand({ KeyId: ec.KeyId, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }))).Signature!;
    const mac = (await kms.send(new GenerateMacCommand({ KeyId: hmac.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_256' }))).Mac!;
    const calls = {
      Encrypt: kms.send(new EncryptCommand({ KeyId: aes.KeyId, Plaintext: Buffer.from('x'), DryRun: true })),
      Decrypt: kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { a: 'b' }, DryRun: true })),
      ReEncrypt: kms.send(new ReEncryptCommand({ CiphertextBlob: blob, SourceEncryptionContext: { a: 'b' }, DestinationKeyId: aes.KeyId, DryRun: true })),
      GenerateDataKey: kms.send(new GenerateDataKeyCommand({ KeyId: aes.KeyId, KeySpec: 'AES_256', DryRun: true })),
      GenerateDataKeyWithoutPlaintext: kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: aes.KeyId, NumberOfBytes: 16, DryRun: true })),
      GenerateDataKeyPair: kms.send(new GenerateDataKeyPairCommand({ KeyId: aes.KeyId, KeyPairSpec: 'ECC_NIST_P256', DryRun: true })),
      GenerateDataKeyPairWithoutPlaintext: kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: aes.KeyId, KeyPairSpec: 'RSA_2048', DryRun: true })),
      Sign: kms.send(new SignCommand({ KeyId: ec.KeyId, Message: message, SigningAlgorithm: 'ECDSA_SHA_256', DryRun: true })),
      Verify: kms.send(new VerifyCommand({ KeyId: ec.KeyId, Message: message, Signature: signature, SigningAlgorithm: 'ECDSA_SHA_256', DryRun: true })),
      GenerateMac: kms.send(new GenerateMacCommand({ KeyId: hmac.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_256', DryRun: true })),
      VerifyMac: kms.send(new VerifyMacCommand({ KeyId: hmac.KeyId, Message: message, Mac: mac, MacAlgorithm: 'HMAC_SHA_256', DryRun: true })),
    };
    for (const [op, call] of Object.entries(calls)) expect([op, await refusal(call)]).toEqual([op, DRY]);
    const added = (await auditOf(aes.KeyId!)).slice(0, (await auditOf(aes.KeyId!)).length - before.length);
    // Encrypt, Decrypt, ReEncrypt (source and destination), four data-key calls: checks only.
    expect(added.sort()).toEqual([...Array<string>(6).fill('encrypt-dry-run ok'), ...Array<string>(2).fill('decrypt-dry-run ok')].sort());
    expect((await auditOf(ec.KeyId!)).slice(0, 2)).toEqual(['verify-dry-run ok', 'sign-dry-run ok']);
    expect((await auditOf(hmac.KeyId!)).slice(0, 2)).toEqual(['mac-dry-run ok', 'mac-dry-run ok']);
  });

  it('a request that would fail answers as the operation would, not DryRunOperationException', async () => {
    const tampered = Buffer.from(blob);
    tampered[tampered.length - 1] ^= 1;
    expect({
      'disabled key': await refusedAs(kms.send(new EncryptCommand({ KeyId: disabled.KeyId, Plaintext: Buffer.from('x'), DryRun: true }))),
      'unknown key': await refusedAs(kms.send(new EncryptCommand({ KeyId: 'alias/none', Plaintext: Buffer.from('x'), DryRun: true }))),
      'signing key to Encrypt': await refusedAs(kms.send(new EncryptCommand({ KeyId: ec.KeyId, Plaintext: Buffer.from('x'), DryRun: true }))),
      'HMAC key to GenerateDataKey': await refusedAs(kms.send(new GenerateDataKeyCommand({ KeyId: hmac.KeyId, KeySpec: 'AES_256', DryRun: true }))),
      'symmetric key to Sign': await refusedAs(kms.send(new SignCommand({ KeyId: aes.KeyId, Message: Buffer.from('m'), SigningAlgorithm: 'ECDSA_SHA_256', DryRun: true }))),
      'empty plaintext': await refusedAs(kms.send(new EncryptCommand({ KeyId: aes.KeyId, Plaintext: Buffer.alloc(0), DryRun: true }))),
      'ReEncrypt to a disabled key': await refusedAs(
        kms.send(new ReEncryptCommand({ CiphertextBlob: blob, SourceEncryptionContext: { a: 'b' }, DestinationKeyId: disabled.KeyId, DryRun: true })),
      ),
      'Decrypt, wrong KeyId': await refusedAs(kms.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: hmac.KeyId, DryRun: true }))),
    }).toEqual({
      'disabled key': 'DisabledException',
      'unknown key': 'NotFoundException',
      'signing key to Encrypt': 'InvalidKeyUsageException',
      'HMAC key to GenerateDataKey': 'InvalidKeyUsageException',
      'symmetric key to Sign': 'InvalidKeyUsageException',
      'empty plaintext': 'ValidationException',
      'ReEncrypt to a disabled key': 'DisabledException',
      'Decrypt, wrong KeyId': 'IncorrectKeyException',
    });
    // A dry run checks the key, not the ciphertext's tag: that needs the material.
    expect(await refusedAs(kms.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: { a: 'b' }, DryRun: true })))).toBe('DryRunOperationException');
    expect(await refusedAs(kms.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: { a: 'b' } })))).toBe('InvalidCiphertextException');
  });

  it('DryRun false runs the operation', async () => {
    const enc = await kms.send(new EncryptCommand({ KeyId: aes.KeyId, Plaintext: Buffer.from('wet'), DryRun: false }));
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, DryRun: false }));
    expect(Buffer.from(dec.Plaintext!).toString()).toBe('wet');
    expect(await auditOf(aes.KeyId!)).toEqual(expect.arrayContaining(['encrypt ok', 'decrypt ok']));
  });
});
