import { constants, createCipheriv, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import {
  CreateKeyCommand,
  DecryptCommand,
  DeleteImportedKeyMaterialCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
  KMSClient,
  ListKeysCommand,
  ScheduleKeyDeletionCommand,
  CancelKeyDeletionCommand,
  type AlgorithmSpec,
  type GetParametersForImportCommandOutput,
  type KeyMetadata,
  type WrappingKeySpec,
} from '@aws-sdk/client-kms';
import { startGateway, type Gateway } from '../support/server';
import { awsTenant, bytes, contextAad, kmsClient, openBlobLocally, parseBlob, refusal, refusedAs } from './support';

/**
 * Bring your own key through the AWS SDK: a key with Origin EXTERNAL, the wrapping parameters,
 * the material wrapped locally (RSA-OAEP, or RSA-OAEP of a one-off AES key then AES-KWP as
 * RSA_AES_KEY_WRAP), imported; then a blob the gateway makes is opened locally with the material
 * the test imported, following the documented blob layout; deleting and re-importing the material.
 */
let gw: Gateway;
let kms: KMSClient;

beforeAll(async () => {
  gw = await startGateway();
  kms = kmsClient(gw, await awsTenant(gw, 'aws-byok'));
}, 60000);
afterAll(async () => {
  await gw.stop();
  gw.cleanup();
});

const externalKey = async (): Promise<KeyMetadata> => (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL', Description: 'bring your own' }))).KeyMetadata!;
const describeKey = async (KeyId: string) => (await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!;
const parameters = (KeyId: string, WrappingAlgorithm: AlgorithmSpec = 'RSAES_OAEP_SHA_256', WrappingKeySpec: WrappingKeySpec = 'RSA_2048') =>
  kms.send(new GetParametersForImportCommand({ KeyId, WrappingAlgorithm, WrappingKeySpec }));

const OAEP_HASH: Record<string, string> = { RSAES_OAEP_SHA_1: 'sha1', RSAES_OAEP_SHA_256: 'sha256', RSA_AES_KEY_WRAP_SHA_1: 'sha1', RSA_AES_KEY_WRAP_SHA_256: 'sha256' };

/** Wraps material the way AWS's documentation tells clients to, with node:crypto only. */
function wrap(params: GetParametersForImportCommandOutput, algorithm: AlgorithmSpec, material: Buffer): Buffer {
  const key = createPublicKey({ key: bytes(params.PublicKey), format: 'der', type: 'spki' });
  const oaep = (data: Buffer) => publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[algorithm] }, data);
  if (!algorithm.startsWith('RSA_AES_KEY_WRAP')) return oaep(material);
  // A one-off AES-256 key, wrapped with RSA-OAEP, followed by the material wrapped with AES-KWP (RFC 5649).
  const aesKey = randomBytes(32);
  const kwp = createCipheriv('id-aes256-wrap-pad', aesKey, Buffer.from('a65959a6', 'hex'));
  return Buffer.concat([oaep(aesKey), kwp.update(material), kwp.final()]);
}

async function importMaterial(KeyId: string, material: Buffer, algorithm: AlgorithmSpec = 'RSAES_OAEP_SHA_256', spec: WrappingKeySpec = 'RSA_2048') {
  const params = await parameters(KeyId, algorithm, spec);
  return kms.send(
    new ImportKeyMaterialCommand({
      KeyId,
      ImportToken: params.ImportToken,
      EncryptedKeyMaterial: wrap(params, algorithm, material),
      ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    }),
  );
}

describe('import', () => {
  const COMBINATIONS: [AlgorithmSpec, WrappingKeySpec][] = [];
  for (const algorithm of ['RSAES_OAEP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_256', 'RSAES_OAEP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_1'] as AlgorithmSpec[])
    for (const spec of ['RSA_2048', 'RSA_3072', 'RSA_4096'] as WrappingKeySpec[]) COMBINATIONS.push([algorithm, spec]);

  it.each(COMBINATIONS)('%s with a %s wrapping key: the gateway encrypts with exactly the material imported', async (algorithm, spec) => {
    const m = await externalKey();
    expect(m).toMatchObject({ Origin: 'EXTERNAL', KeyState: 'PendingImport', Enabled: false });
    expect(m.ExpirationModel).toBeUndefined();
    const params = await parameters(m.KeyId!, algorithm, spec);
    expect(params.KeyId).toBe(m.Arn);
    const wrapping = createPublicKey({ key: bytes(params.PublicKey), format: 'der', type: 'spki' });
    expect(wrapping.asymmetricKeyDetails?.modulusLength).toBe(Number(spec.slice(4)));
    // Valid for 24 hours.
    expect(params.ParametersValidTo!.getTime() - Date.now()).toBeGreaterThan(23 * 3600_000);
    expect(params.ParametersValidTo!.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3600_000);

    const material = randomBytes(32);
    const imported = await kms.send(new ImportKeyMaterialCommand({ KeyId: m.KeyId, ImportToken: params.ImportToken, EncryptedKeyMaterial: wrap(params, algorithm, material) }));
    expect(imported.KeyId).toBe(m.Arn);
    const described = await describeKey(m.KeyId!);
    expect(described).toMatchObject({ KeyState: 'Enabled', Enabled: true, Origin: 'EXTERNAL', ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
    expect(described.ValidTo).toBeUndefined();

    // The blob the gateway makes opens locally with the imported material: the layout is as documented.
    const context = { imported: algorithm, spec };
    const enc = await kms.send(new EncryptCommand({ KeyId: m.KeyId, Plaintext: Buffer.from(`sealed under ${algorithm}`), EncryptionContext: context }));
    expect(parseBlob(enc.CiphertextBlob!)).toMatchObject({ format: 1, keyId: m.KeyId, version: 1 });
    expect(openBlobLocally(material, enc.CiphertextBlob!, context).toString()).toBe(`sealed under ${algorithm}`);
    // And the other way: a blob made locally with the material decrypts through the gateway.
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', material, iv);
    cipher.setAAD(contextAad(context));
    const ct = Buffer.concat([cipher.update('made locally'), cipher.final()]);
    const header = Buffer.concat([Buffer.from([1]), Buffer.from(m.KeyId!.replace(/-/g, ''), 'hex'), Buffer.from([0, 0, 0, 1])]);
    const local = Buffer.concat([header, iv, cipher.getAuthTag(), ct]);
    expect(bytes((await kms.send(new DecryptCommand({ CiphertextBlob: local, EncryptionContext: context }))).Plaintext).toString()).toBe('made locally');
  });

  it('a data key of an imported key is sealed with the material too', async () => {
    const m = await externalKey();
    const material = randomBytes(32);
    await importMaterial(m.KeyId!, material, 'RSA_AES_KEY_WRAP_SHA_256', 'RSA_3072');
    const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: m.KeyId, KeySpec: 'AES_256', EncryptionContext: { dk: '1' } }));
    expect(openBlobLocally(material, dk.CiphertextBlob!, { dk: '1' }).equals(bytes(dk.Plaintext))).toBe(true);
  });

  it('the wrapping key is internal: ListKeys shows the imported key only', async () => {
    const pager = kmsClient(gw, await awsTenant(gw, 'aws-byok-list'));
    const m = (await pager.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }))).KeyMetadata!;
    await pager.send(new GetParametersForImportCommand({ KeyId: m.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }));
    expect((await pager.send(new ListKeysCommand({}))).Keys!.map((k) => k.KeyId)).toEqual([m.KeyId]);
  });
});

describe('refusals', () => {
  it('GetParametersForImport: only for EXTERNAL keys still waiting for material, with the served algorithms', async () => {
    const generated = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const m = await externalKey();
    expect({
      'generated key': await refusedAs(parameters(generated.KeyId!)),
      RSAES_PKCS1_V1_5: await refusedAs(parameters(m.KeyId!, 'RSAES_PKCS1_V1_5')),
      'SM2 wrapping key': await refusedAs(parameters(m.KeyId!, 'RSAES_OAEP_SHA_256', 'SM2')),
      'unknown key': await refusedAs(parameters('00000000-0000-4000-8000-000000000000')),
      'unknown algorithm': await refusedAs(parameters(m.KeyId!, 'RSAES_OAEP_SHA_512' as AlgorithmSpec)),
    }).toEqual({
      'generated key': 'UnsupportedOperationException',
      RSAES_PKCS1_V1_5: 'UnsupportedOperationException',
      'SM2 wrapping key': 'UnsupportedOperationException',
      'unknown key': 'NotFoundException',
      'unknown algorithm': 'ValidationException',
    });
    await importMaterial(m.KeyId!, randomBytes(32));
    expect(await refusedAs(parameters(m.KeyId!))).toBe('KMSInvalidStateException');
    expect(await refusedAs(kms.send(new ImportKeyMaterialCommand({ KeyId: generated.KeyId, ImportToken: Buffer.from('x'), EncryptedKeyMaterial: Buffer.from('y') })))).toBe(
      'UnsupportedOperationException',
    );
  });

  it('a wrong, tampered, superseded or foreign import token is InvalidImportTokenException', async () => {
    const a = await externalKey();
    const b = await externalKey();
    const material = randomBytes(32);
    const first = await parameters(a.KeyId!);
    const second = await parameters(a.KeyId!);
    const forB = await parameters(b.KeyId!);
    const send = (KeyId: string, ImportToken: Uint8Array | undefined, params: GetParametersForImportCommandOutput) =>
      kms.send(new ImportKeyMaterialCommand({ KeyId, ImportToken, EncryptedKeyMaterial: wrap(params, 'RSAES_OAEP_SHA_256', material) }));
    const tampered = bytes(second.ImportToken);
    tampered[5] ^= 0x01;
    expect({
      'made up': await refusedAs(send(a.KeyId!, Buffer.from('not a token'), second)),
      tampered: await refusedAs(send(a.KeyId!, tampered, second)),
      // A newer GetParametersForImport replaced the first wrapping key and its token.
      superseded: await refusedAs(send(a.KeyId!, first.ImportToken, first)),
      "another key's": await refusedAs(send(a.KeyId!, forB.ImportToken, forB)),
    }).toEqual({
      'made up': 'InvalidImportTokenException',
      tampered: 'InvalidImportTokenException',
      superseded: 'InvalidImportTokenException',
      "another key's": 'InvalidImportTokenException',
    });
    expect((await describeKey(a.KeyId!)).KeyState).toBe('PendingImport');
    // The current token still works.
    await send(a.KeyId!, second.ImportToken, second);
    expect((await describeKey(a.KeyId!)).KeyState).toBe('Enabled');
  });

  it('material of the wrong size, or wrapped with the wrong hash, is refused', async () => {
    const m = await externalKey();
    const params = await parameters(m.KeyId!, 'RSAES_OAEP_SHA_256');
    const send = (EncryptedKeyMaterial: Buffer) => kms.send(new ImportKeyMaterialCommand({ KeyId: m.KeyId, ImportToken: params.ImportToken, EncryptedKeyMaterial }));
    expect({
      '16 bytes': await refusedAs(send(wrap(params, 'RSAES_OAEP_SHA_256', randomBytes(16)))),
      'OAEP with SHA-1': await refusedAs(send(wrap(params, 'RSAES_OAEP_SHA_1', randomBytes(32)))),
      garbage: await refusedAs(send(randomBytes(256))),
    }).toEqual({ '16 bytes': 'IncorrectKeyMaterialException', 'OAEP with SHA-1': 'InvalidCiphertextException', garbage: 'InvalidCiphertextException' });
    const kw = await parameters(m.KeyId!, 'RSA_AES_KEY_WRAP_SHA_256');
    const wrapped = wrap(kw, 'RSA_AES_KEY_WRAP_SHA_256', randomBytes(32));
    wrapped[wrapped.length - 1] ^= 0x01;
    expect(await refusedAs(kms.send(new ImportKeyMaterialCommand({ KeyId: m.KeyId, ImportToken: kw.ImportToken, EncryptedKeyMaterial: wrapped })))).toBe(
      'InvalidCiphertextException',
    );
    expect(
      await refusedAs(
        kms.send(new ImportKeyMaterialCommand({ KeyId: m.KeyId, ImportToken: kw.ImportToken, EncryptedKeyMaterial: wrapped, ExpirationModel: 'KEY_MATERIAL_EXPIRES' })),
      ),
    ).toBe('ValidationException');
    expect((await describeKey(m.KeyId!)).KeyState).toBe('PendingImport');
  });
});

describe('DeleteImportedKeyMaterial and re-import', () => {
  it('the key waits for its material again; only the same material can come back', async () => {
    const m = await externalKey();
    const material = randomBytes(32);
    await importMaterial(m.KeyId!, material, 'RSA_AES_KEY_WRAP_SHA_256', 'RSA_4096');
    const before = await kms.send(new EncryptCommand({ KeyId: m.KeyId, Plaintext: Buffer.from('before deletion') }));

    expect((await kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: m.KeyId }))).KeyId).toBe(m.Arn);
    expect(await describeKey(m.KeyId!)).toMatchObject({ KeyState: 'PendingImport', Enabled: false });
    expect(await refusal(kms.send(new EncryptCommand({ KeyId: m.KeyId, Plaintext: Buffer.from('x') })))).toMatchObject({ name: 'KMSInvalidStateException' });
    expect(await refusedAs(kms.send(new DecryptCommand({ CiphertextBlob: before.CiphertextBlob })))).toBe('KMSInvalidStateException');
    expect(await refusedAs(kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: m.KeyId })))).toBe('KMSInvalidStateException');

    // Other material: IncorrectKeyMaterialException, the key still waits.
    expect(await refusal(importMaterial(m.KeyId!, randomBytes(32)))).toMatchObject({ name: 'IncorrectKeyMaterialException', status: 400 });
    expect((await describeKey(m.KeyId!)).KeyState).toBe('PendingImport');
    // The same material, through another wrapping: the key is back, and so are its old ciphertexts.
    await importMaterial(m.KeyId!, material, 'RSAES_OAEP_SHA_1', 'RSA_2048');
    expect((await describeKey(m.KeyId!)).KeyState).toBe('Enabled');
    expect(bytes((await kms.send(new DecryptCommand({ CiphertextBlob: before.CiphertextBlob }))).Plaintext).toString()).toBe('before deletion');
    const after = await kms.send(new EncryptCommand({ KeyId: m.KeyId, Plaintext: Buffer.from('after re-import') }));
    expect(openBlobLocally(material, after.CiphertextBlob!).toString()).toBe('after re-import');

    const generated = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    expect(await refusedAs(kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: generated.KeyId })))).toBe('UnsupportedOperationException');
  });

  it('a key pending import can be scheduled for deletion; cancelling leaves it pending import', async () => {
    const m = await externalKey();
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: m.KeyId, PendingWindowInDays: 7 }));
    expect((await describeKey(m.KeyId!)).KeyState).toBe('PendingDeletion');
    expect(await refusedAs(parameters(m.KeyId!))).toBe('KMSInvalidStateException');
    await kms.send(new CancelKeyDeletionCommand({ KeyId: m.KeyId }));
    expect((await describeKey(m.KeyId!)).KeyState).toBe('PendingImport');
    await importMaterial(m.KeyId!, randomBytes(32));
    expect((await describeKey(m.KeyId!)).KeyState).toBe('Enabled');
  });

  it('material that expires: KEY_MATERIAL_EXPIRES with ValidTo in the future', async () => {
    const m = await externalKey();
    const params = await parameters(m.KeyId!);
    const wrapped = wrap(params, 'RSAES_OAEP_SHA_256', randomBytes(32));
    expect(
      await refusedAs(
        kms.send(
          new ImportKeyMaterialCommand({
            KeyId: m.KeyId,
            ImportToken: params.ImportToken,
            EncryptedKeyMaterial: wrapped,
            ExpirationModel: 'KEY_MATERIAL_EXPIRES',
            ValidTo: new Date(Date.now() - 60_000),
          }),
        ),
      ),
    ).toBe('ValidationException');
    const ValidTo = new Date(Math.floor(Date.now() / 1000) * 1000 + 86_400_000);
    await kms.send(
      new ImportKeyMaterialCommand({ KeyId: m.KeyId, ImportToken: params.ImportToken, EncryptedKeyMaterial: wrapped, ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo }),
    );
    expect(await describeKey(m.KeyId!)).toMatchObject({ KeyState: 'Enabled', ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo });
    expect((await kms.send(new EncryptCommand({ KeyId: m.KeyId, Plaintext: Buffer.from('until tomorrow') }))).CiphertextBlob).toBeDefined();
  });
});
