import { createPublicKey } from 'node:crypto';
import * as sdk from '@aws-sdk/client-kms';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GetKeyRotationStatusCommand,
  GetPublicKeyCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateKeyDescriptionCommand,
  type KeyMetadata,
  type KeySpec,
  type KeyUsageType,
} from '@aws-sdk/client-kms';
import { NOT_SERVED, servedOperations } from '../../libs/dialect-aws/src/operations/table';
import { describeRefusals } from '../support/backend';
import { TEST_BACKEND, cli, startGateway, type Gateway } from '../support/server';
import { REGION, awsTenant, bytes, kmsClient, parseBlob, refusal, refusedAs, withKeyOf } from './support';

/**
 * Key management through the AWS SDK: every KeySpec and KeyUsage, DescribeKey by each form of
 * KeyId, ListKeys paging, description, enable/disable, scheduled deletion, public keys, aliases,
 * tags and rotation; and the operations the gateway does not serve.
 */
let gw: Gateway;
let kms: KMSClient;

beforeAll(async () => {
  // The admin CLI (lifecycle run) changes keys behind the gateway's back: no cache staleness.
  gw = await startGateway({ KMS_CACHE_TTL_MS: '0' });
  kms = kmsClient(gw, await awsTenant(gw, 'aws-keys'));
}, 60000);
afterAll(async () => {
  await gw.stop();
  gw.cleanup();
});

const DAY_MS = 86_400_000;
const create = async (input: sdk.CreateKeyCommandInput = {}): Promise<KeyMetadata> => (await kms.send(new CreateKeyCommand(input))).KeyMetadata!;
const describeKey = async (KeyId: string): Promise<KeyMetadata> => (await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!;
const encryptWith = (KeyId: string) => kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('payload') }));

const RSA_SIGNING = ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512', 'RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512'];

/** Every KeySpec with each KeyUsage AWS allows for it, the canonical spec it maps to, and the algorithms DescribeKey lists. */
const COMBINATIONS: [KeySpec, KeyUsageType, string, Record<string, string[]>][] = [
  ['SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT', 'aes-256', { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] }],
  ['RSA_2048', 'ENCRYPT_DECRYPT', 'rsa-2048', { EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] }],
  ['RSA_3072', 'ENCRYPT_DECRYPT', 'rsa-3072', { EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] }],
  ['RSA_4096', 'ENCRYPT_DECRYPT', 'rsa-4096', { EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] }],
  ['RSA_2048', 'SIGN_VERIFY', 'rsa-2048', { SigningAlgorithms: RSA_SIGNING }],
  ['RSA_3072', 'SIGN_VERIFY', 'rsa-3072', { SigningAlgorithms: RSA_SIGNING }],
  ['RSA_4096', 'SIGN_VERIFY', 'rsa-4096', { SigningAlgorithms: RSA_SIGNING }],
  ['ECC_NIST_P256', 'SIGN_VERIFY', 'ec-p256', { SigningAlgorithms: ['ECDSA_SHA_256'] }],
  ['ECC_NIST_P384', 'SIGN_VERIFY', 'ec-p384', { SigningAlgorithms: ['ECDSA_SHA_384'] }],
  ['ECC_NIST_P521', 'SIGN_VERIFY', 'ec-p521', { SigningAlgorithms: ['ECDSA_SHA_512'] }],
  ['ECC_NIST_P256', 'KEY_AGREEMENT', 'ec-p256', { KeyAgreementAlgorithms: ['ECDH'] }],
  ['ECC_NIST_P384', 'KEY_AGREEMENT', 'ec-p384', { KeyAgreementAlgorithms: ['ECDH'] }],
  ['ECC_NIST_P521', 'KEY_AGREEMENT', 'ec-p521', { KeyAgreementAlgorithms: ['ECDH'] }],
  ['ECC_SECG_P256K1', 'SIGN_VERIFY', 'ec-secp256k1', { SigningAlgorithms: ['ECDSA_SHA_256'] }],
  ['HMAC_224', 'GENERATE_VERIFY_MAC', 'secret-224', { MacAlgorithms: ['HMAC_SHA_224'] }],
  ['HMAC_256', 'GENERATE_VERIFY_MAC', 'secret-256', { MacAlgorithms: ['HMAC_SHA_256'] }],
  ['HMAC_384', 'GENERATE_VERIFY_MAC', 'secret-384', { MacAlgorithms: ['HMAC_SHA_384'] }],
  ['HMAC_512', 'GENERATE_VERIFY_MAC', 'secret-512', { MacAlgorithms: ['HMAC_SHA_512'] }],
  ['SM2', 'ENCRYPT_DECRYPT', 'ec-sm2', { EncryptionAlgorithms: ['SM2PKE'] }],
  ['SM2', 'SIGN_VERIFY', 'ec-sm2', { SigningAlgorithms: ['SM2DSA'] }],
];

const sorted = (lists: Record<string, string[] | undefined>) => Object.fromEntries(Object.entries(lists).map(([k, v]) => [k, [...(v ?? [])].sort()]));

describe('CreateKey and DescribeKey', () => {
  it.each(COMBINATIONS)('%s for %s', (KeySpec, KeyUsage, spec, algorithms) =>
    withKeyOf(kms, { KeySpec, KeyUsage, Description: `${KeySpec} ${KeyUsage}` }, spec, KeySpec, async (m) => {
      expect(m).toMatchObject({
        KeySpec,
        CustomerMasterKeySpec: KeySpec,
        KeyUsage,
        KeyState: 'Enabled',
        Enabled: true,
        Origin: 'AWS_KMS',
        KeyManager: 'CUSTOMER',
        MultiRegion: false,
      });
      expect(m.Arn).toBe(`arn:aws:kms:${REGION}:${m.AWSAccountId}:key/${m.KeyId}`);
      expect(m.AWSAccountId).toMatch(/^\d{12}$/);
      expect(m.CreationDate).toBeInstanceOf(Date);
      const lists = {
        EncryptionAlgorithms: m.EncryptionAlgorithms,
        SigningAlgorithms: m.SigningAlgorithms,
        MacAlgorithms: m.MacAlgorithms,
        KeyAgreementAlgorithms: m.KeyAgreementAlgorithms,
      };
      const given = Object.fromEntries(Object.entries(lists).filter(([, v]) => v !== undefined));
      expect(sorted(given)).toEqual(sorted(algorithms));
      // DescribeKey says the same as CreateKey did.
      expect(await describeKey(m.KeyId!)).toEqual(m);
    }),
  );

  it('SM2 for KEY_AGREEMENT: AWS has it, the gateway cannot derive with SM2 keys', async () => {
    expect(await refusal(create({ KeySpec: 'SM2', KeyUsage: 'KEY_AGREEMENT' }))).toMatchObject({ name: 'UnsupportedOperationException', message: expect.stringContaining('SM2') });
  });

  it('defaults to SYMMETRIC_DEFAULT / ENCRYPT_DECRYPT, on the backend under test, and accepts the older CustomerMasterKeySpec', async () => {
    const m = await create();
    expect(m).toMatchObject({ KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', Description: '' });
    expect((await cli(gw.dataDir, ['key', 'show', m.KeyId!])).json).toMatchObject({ id: m.KeyId, spec: 'aes-256', backend: TEST_BACKEND });
    expect(await create({ CustomerMasterKeySpec: 'HMAC_384', KeyUsage: 'GENERATE_VERIFY_MAC' })).toMatchObject({ KeySpec: 'HMAC_384' });
  });

  it('refuses a KeyUsage the KeySpec cannot have, a missing one, and origins and options it does not serve', async () => {
    const refusals = {
      'RSA without usage': await refusedAs(create({ KeySpec: 'RSA_2048' })),
      'HMAC without usage': await refusedAs(create({ KeySpec: 'HMAC_256' })),
      'symmetric signing': await refusedAs(create({ KeyUsage: 'SIGN_VERIFY' })),
      'RSA MAC': await refusedAs(create({ KeySpec: 'RSA_2048', KeyUsage: 'GENERATE_VERIFY_MAC' })),
      'HMAC encryption': await refusedAs(create({ KeySpec: 'HMAC_256', KeyUsage: 'ENCRYPT_DECRYPT' })),
      'secp256k1 agreement': await refusedAs(create({ KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'KEY_AGREEMENT' })),
      'unknown spec': await refusedAs(create({ KeySpec: 'RSA_1024' as KeySpec, KeyUsage: 'SIGN_VERIFY' })),
      'CloudHSM origin': await refusedAs(create({ Origin: 'AWS_CLOUDHSM' })),
      'external key store': await refusedAs(create({ Origin: 'EXTERNAL_KEY_STORE' })),
      'external RSA': await refusedAs(create({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY', Origin: 'EXTERNAL' })),
      'multi-Region': await refusedAs(create({ MultiRegion: true })),
    };
    expect(refusals).toEqual({
      'RSA without usage': 'ValidationException',
      'HMAC without usage': 'ValidationException',
      'symmetric signing': 'ValidationException',
      'RSA MAC': 'ValidationException',
      'HMAC encryption': 'ValidationException',
      'secp256k1 agreement': 'ValidationException',
      'unknown spec': 'ValidationException',
      'CloudHSM origin': 'UnsupportedOperationException',
      'external key store': 'UnsupportedOperationException',
      'external RSA': 'UnsupportedOperationException',
      'multi-Region': 'UnsupportedOperationException',
    });
  });

  it('Origin EXTERNAL makes a key waiting for its material', async () => {
    const m = await create({ Origin: 'EXTERNAL' });
    expect(m).toMatchObject({ Origin: 'EXTERNAL', KeyState: 'PendingImport', Enabled: false, KeySpec: 'SYMMETRIC_DEFAULT' });
    expect(await refusal(encryptWith(m.KeyId!))).toMatchObject({ name: 'KMSInvalidStateException' });
  });

  it('DescribeKey takes a key id, a key ARN, an alias name and an alias ARN; anything else is NotFoundException', async () => {
    const m = await create({ Description: 'described four ways' });
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/four-ways', TargetKeyId: m.KeyId }));
    const aliasArn = `arn:aws:kms:${REGION}:${m.AWSAccountId}:alias/four-ways`;
    for (const ref of [m.KeyId!, m.Arn!, 'alias/four-ways', aliasArn]) expect(await describeKey(ref)).toEqual(m);
    const otherAccount = String((Number(m.AWSAccountId!.slice(0, 6)) + 1) % 1e6).padStart(6, '0') + m.AWSAccountId!.slice(6);
    expect({
      unknown: await refusedAs(describeKey('00000000-0000-4000-8000-000000000000')),
      'unknown alias': await refusedAs(describeKey('alias/nothing-here')),
      'other account': await refusedAs(describeKey(m.Arn!.replace(m.AWSAccountId!, otherAccount))),
      'not an id': await refusedAs(describeKey('not-a-key')),
      'bad ARN': await refusedAs(describeKey('arn:aws:kms:nowhere')),
    }).toEqual({
      unknown: 'NotFoundException',
      'unknown alias': 'NotFoundException',
      'other account': 'NotFoundException',
      'not an id': 'NotFoundException',
      'bad ARN': 'NotFoundException',
    });
  });
});

describe('ListKeys', () => {
  it('pages with Limit and Marker, every key once, and refuses a marker it did not give', async () => {
    const pager = kmsClient(gw, await awsTenant(gw, 'aws-pager'));
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await pager.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!);
    const pages: { ids: string[]; truncated?: boolean }[] = [];
    let marker: string | undefined;
    do {
      const page = await pager.send(new ListKeysCommand({ Limit: 2, Marker: marker }));
      pages.push({ ids: page.Keys!.map((k) => k.KeyId!), truncated: page.Truncated });
      for (const k of page.Keys!) expect(k.KeyArn).toMatch(new RegExp(`^arn:aws:kms:${REGION}:\\d{12}:key/${k.KeyId}$`));
      marker = page.NextMarker;
      expect(marker === undefined).toBe(!page.Truncated);
    } while (marker !== undefined);
    expect(pages.map((p) => [p.ids.length, p.truncated])).toEqual([
      [2, true],
      [2, true],
      [1, false],
    ]);
    expect(pages.flatMap((p) => p.ids).sort()).toEqual([...made].sort());
    const all = await pager.send(new ListKeysCommand({}));
    expect(all.Keys!.map((k) => k.KeyId).sort()).toEqual([...made].sort());
    expect(all.Truncated).toBe(false);
    expect(await refusedAs(pager.send(new ListKeysCommand({ Marker: 'not-a-marker' })))).toBe('InvalidMarkerException');
    expect(await refusedAs(pager.send(new ListKeysCommand({ Limit: 0 })))).toBe('ValidationException');
    expect(await refusedAs(pager.send(new ListKeysCommand({ Limit: 1001 })))).toBe('ValidationException');
  });
});

describe('key state', () => {
  it('UpdateKeyDescription changes what DescribeKey says', async () => {
    const m = await create({ Description: 'before' });
    await kms.send(new UpdateKeyDescriptionCommand({ KeyId: m.KeyId, Description: 'after' }));
    expect((await describeKey(m.KeyId!)).Description).toBe('after');
    await kms.send(new UpdateKeyDescriptionCommand({ KeyId: m.Arn, Description: '' }));
    expect((await describeKey(m.KeyId!)).Description).toBe('');
    expect(await refusedAs(kms.send(new UpdateKeyDescriptionCommand({ KeyId: m.KeyId, Description: 'x'.repeat(8193) })))).toBe('ValidationException');
  });

  it('DisableKey stops every use with DisabledException; EnableKey restores it', async () => {
    const m = await create();
    const sealed = await encryptWith(m.KeyId!);
    const signer = await create({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    await kms.send(new DisableKeyCommand({ KeyId: m.KeyId }));
    await kms.send(new DisableKeyCommand({ KeyId: signer.Arn }));
    expect(await describeKey(m.KeyId!)).toMatchObject({ KeyState: 'Disabled', Enabled: false });
    expect(await refusal(encryptWith(m.KeyId!))).toMatchObject({ name: 'DisabledException', status: 400 });
    expect(await refusedAs(kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob })))).toBe('DisabledException');
    expect(await refusedAs(kms.send(new SignCommand({ KeyId: signer.KeyId, Message: Buffer.from('m'), SigningAlgorithm: 'ECDSA_SHA_256' })))).toBe('DisabledException');
    // Disabling twice is no error, as at AWS.
    await kms.send(new DisableKeyCommand({ KeyId: m.KeyId }));
    await kms.send(new EnableKeyCommand({ KeyId: m.KeyId }));
    await kms.send(new EnableKeyCommand({ KeyId: signer.KeyId }));
    expect(await describeKey(m.KeyId!)).toMatchObject({ KeyState: 'Enabled', Enabled: true });
    expect(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }))).Plaintext!).toString()).toBe('payload');
    expect((await kms.send(new SignCommand({ KeyId: signer.KeyId, Message: Buffer.from('m'), SigningAlgorithm: 'ECDSA_SHA_256' }))).Signature).toBeDefined();
    // Key-management calls take a key id or ARN, not an alias, as at AWS.
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/not-for-enable', TargetKeyId: m.KeyId }));
    expect(await refusedAs(kms.send(new DisableKeyCommand({ KeyId: 'alias/not-for-enable' })))).toBe('NotFoundException');
  });

  it('ScheduleKeyDeletion: 7 to 30 days, every use refused meanwhile; CancelKeyDeletion leaves the key disabled', async () => {
    const m = await create();
    const sealed = await encryptWith(m.KeyId!);
    expect(await refusedAs(kms.send(new ScheduleKeyDeletionCommand({ KeyId: m.KeyId, PendingWindowInDays: 6 })))).toBe('ValidationException');
    expect(await refusedAs(kms.send(new ScheduleKeyDeletionCommand({ KeyId: m.KeyId, PendingWindowInDays: 31 })))).toBe('ValidationException');
    expect((await describeKey(m.KeyId!)).KeyState).toBe('Enabled');
    const before = Date.now();
    const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: m.KeyId, PendingWindowInDays: 7 }));
    const after = Date.now();
    expect(scheduled).toMatchObject({ KeyId: m.Arn, KeyState: 'PendingDeletion', PendingWindowInDays: 7 });
    expect(scheduled.DeletionDate!.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 7 * DAY_MS);
    expect(scheduled.DeletionDate!.getTime()).toBeLessThanOrEqual(after + 7 * DAY_MS);
    expect(await describeKey(m.KeyId!)).toMatchObject({ KeyState: 'PendingDeletion', Enabled: false, DeletionDate: scheduled.DeletionDate });
    expect({
      encrypt: await refusedAs(encryptWith(m.KeyId!)),
      decrypt: await refusedAs(kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }))),
      enable: await refusedAs(kms.send(new EnableKeyCommand({ KeyId: m.KeyId }))),
      'schedule again': await refusedAs(kms.send(new ScheduleKeyDeletionCommand({ KeyId: m.KeyId, PendingWindowInDays: 7 }))),
    }).toEqual({ encrypt: 'KMSInvalidStateException', decrypt: 'KMSInvalidStateException', enable: 'KMSInvalidStateException', 'schedule again': 'KMSInvalidStateException' });

    expect(await kms.send(new CancelKeyDeletionCommand({ KeyId: m.KeyId }))).toMatchObject({ KeyId: m.Arn });
    const cancelled = await describeKey(m.KeyId!);
    expect(cancelled).toMatchObject({ KeyState: 'Disabled', Enabled: false });
    expect(cancelled.DeletionDate).toBeUndefined();
    expect(await refusedAs(encryptWith(m.KeyId!))).toBe('DisabledException');
    // Nothing is pending any more: cancelling again is a state error, not a use of a disabled key.
    expect(await refusedAs(kms.send(new CancelKeyDeletionCommand({ KeyId: m.KeyId })))).toBe('KMSInvalidStateException');
    await kms.send(new EnableKeyCommand({ KeyId: m.KeyId }));
    expect(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }))).Plaintext!).toString()).toBe('payload');
  });

  it('ScheduleKeyDeletion defaults to 30 days and takes a disabled key; 30 days is the longest window', async () => {
    const m = await create();
    expect(await kms.send(new ScheduleKeyDeletionCommand({ KeyId: m.KeyId }))).toMatchObject({ PendingWindowInDays: 30 });
    const d = await create();
    await kms.send(new DisableKeyCommand({ KeyId: d.KeyId }));
    expect(await kms.send(new ScheduleKeyDeletionCommand({ KeyId: d.Arn, PendingWindowInDays: 30 }))).toMatchObject({ KeyState: 'PendingDeletion', PendingWindowInDays: 30 });
    expect((await describeKey(d.KeyId!)).KeyState).toBe('PendingDeletion');
  });
});

describe('GetPublicKey', () => {
  const ASYMMETRIC: [KeySpec, KeyUsageType, string, Record<string, unknown>][] = [
    ['RSA_2048', 'ENCRYPT_DECRYPT', 'rsa', { modulusLength: 2048 }],
    ['RSA_3072', 'SIGN_VERIFY', 'rsa', { modulusLength: 3072 }],
    ['RSA_4096', 'SIGN_VERIFY', 'rsa', { modulusLength: 4096 }],
    ['ECC_NIST_P256', 'SIGN_VERIFY', 'ec', { namedCurve: 'prime256v1' }],
    ['ECC_NIST_P384', 'KEY_AGREEMENT', 'ec', { namedCurve: 'secp384r1' }],
    ['ECC_NIST_P521', 'SIGN_VERIFY', 'ec', { namedCurve: 'secp521r1' }],
    ['ECC_SECG_P256K1', 'SIGN_VERIFY', 'ec', { namedCurve: 'secp256k1' }],
  ];

  it.each(ASYMMETRIC)('%s (%s): a DER SubjectPublicKeyInfo', async (KeySpec, KeyUsage, type, details) => {
    const m = await create({ KeySpec, KeyUsage });
    const got = await kms.send(new GetPublicKeyCommand({ KeyId: m.KeyId }));
    expect(got).toMatchObject({ KeyId: m.Arn, KeySpec, CustomerMasterKeySpec: KeySpec, KeyUsage });
    expect(got.EncryptionAlgorithms).toEqual(m.EncryptionAlgorithms);
    expect(got.SigningAlgorithms).toEqual(m.SigningAlgorithms);
    expect(got.KeyAgreementAlgorithms).toEqual(m.KeyAgreementAlgorithms);
    const pub = createPublicKey({ key: bytes(got.PublicKey), format: 'der', type: 'spki' });
    expect(pub.asymmetricKeyType).toBe(type);
    expect(pub.asymmetricKeyDetails).toMatchObject(details);
    // The DER is canonical: node re-encodes it to the same bytes.
    expect(pub.export({ format: 'der', type: 'spki' }).equals(bytes(got.PublicKey))).toBe(true);
  });

  it('SM2: a DER SubjectPublicKeyInfo on the SM2 curve', () =>
    withKeyOf(kms, { KeySpec: 'SM2', KeyUsage: 'SIGN_VERIFY' }, 'ec-sm2', 'SM2', async (m) => {
      const spki = bytes((await kms.send(new GetPublicKeyCommand({ KeyId: m.KeyId }))).PublicKey);
      // SEQUENCE { SEQUENCE { id-ecPublicKey, sm2p256v1 }, BIT STRING 04||x||y }
      expect(spki.subarray(0, 27).toString('hex')).toBe('3059301306072a8648ce3d020106082a811ccf5501822d03420004');
      expect(spki).toHaveLength(91);
    }));

  it('only of an enabled key: DisabledException, KMSInvalidStateException when pending deletion', async () => {
    const m = await create({ KeySpec: 'ECC_NIST_P384', KeyUsage: 'SIGN_VERIFY' });
    await kms.send(new DisableKeyCommand({ KeyId: m.KeyId }));
    expect(await refusedAs(kms.send(new GetPublicKeyCommand({ KeyId: m.KeyId })))).toBe('DisabledException');
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: m.KeyId, PendingWindowInDays: 7 }));
    expect(await refusedAs(kms.send(new GetPublicKeyCommand({ KeyId: m.KeyId })))).toBe('KMSInvalidStateException');
    await kms.send(new CancelKeyDeletionCommand({ KeyId: m.KeyId }));
    await kms.send(new EnableKeyCommand({ KeyId: m.KeyId }));
    expect((await kms.send(new GetPublicKeyCommand({ KeyId: m.KeyId }))).KeySpec).toBe('ECC_NIST_P384');
  });

  it('a symmetric or HMAC key has none: UnsupportedOperationException', async () => {
    const aes = await create();
    const hmac = await create({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    expect(await refusal(kms.send(new GetPublicKeyCommand({ KeyId: aes.KeyId })))).toMatchObject({ name: 'UnsupportedOperationException', status: 400 });
    expect(await refusedAs(kms.send(new GetPublicKeyCommand({ KeyId: hmac.KeyId })))).toBe('UnsupportedOperationException');
  });
});

describe('aliases', () => {
  it('CreateAlias, UpdateAlias, DeleteAlias and ListAliases, with AWS naming rules', async () => {
    const a = await create();
    const b = await create();
    const signer = await create({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/orders', TargetKeyId: a.KeyId }));
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/team/orders_2-b', TargetKeyId: a.Arn }));
    expect((await describeKey('alias/orders')).KeyId).toBe(a.KeyId);

    const names = {
      'no prefix': await refusedAs(kms.send(new CreateAliasCommand({ AliasName: 'orders2', TargetKeyId: a.KeyId }))),
      'a space': await refusedAs(kms.send(new CreateAliasCommand({ AliasName: 'alias/with space', TargetKeyId: a.KeyId }))),
      'prefix only': await refusedAs(kms.send(new CreateAliasCommand({ AliasName: 'alias/', TargetKeyId: a.KeyId }))),
      'too long': await refusedAs(kms.send(new CreateAliasCommand({ AliasName: `alias/${'x'.repeat(251)}`, TargetKeyId: a.KeyId }))),
      reserved: await refusedAs(kms.send(new CreateAliasCommand({ AliasName: 'alias/aws/s3', TargetKeyId: a.KeyId }))),
      taken: await refusedAs(kms.send(new CreateAliasCommand({ AliasName: 'alias/orders', TargetKeyId: b.KeyId }))),
      'unknown key': await refusedAs(kms.send(new CreateAliasCommand({ AliasName: 'alias/nokey', TargetKeyId: '00000000-0000-4000-8000-000000000000' }))),
      'alias as target': await refusedAs(kms.send(new CreateAliasCommand({ AliasName: 'alias/chained', TargetKeyId: 'alias/orders' }))),
    };
    expect(names).toEqual({
      'no prefix': 'ValidationException',
      'a space': 'ValidationException',
      'prefix only': 'ValidationException',
      'too long': 'ValidationException',
      reserved: 'InvalidAliasNameException',
      taken: 'AlreadyExistsException',
      'unknown key': 'NotFoundException',
      'alias as target': 'NotFoundException',
    });
    // A 256-character name is the longest.
    await kms.send(new CreateAliasCommand({ AliasName: `alias/${'x'.repeat(250)}`, TargetKeyId: b.KeyId }));

    const listed = await kms.send(new ListAliasesCommand({ KeyId: a.KeyId }));
    expect(listed.Aliases!.map((x) => x.AliasName).sort()).toEqual(['alias/orders', 'alias/team/orders_2-b']);
    for (const x of listed.Aliases!) {
      expect(x).toMatchObject({ TargetKeyId: a.KeyId, AliasArn: `arn:aws:kms:${REGION}:${a.AWSAccountId}:${x.AliasName}` });
      expect(x.CreationDate).toBeInstanceOf(Date);
      expect(x.LastUpdatedDate).toBeInstanceOf(Date);
    }

    await kms.send(new UpdateAliasCommand({ AliasName: 'alias/orders', TargetKeyId: b.KeyId }));
    expect((await describeKey('alias/orders')).KeyId).toBe(b.KeyId);
    expect((await kms.send(new ListAliasesCommand({ KeyId: a.KeyId }))).Aliases!.map((x) => x.AliasName)).toEqual(['alias/team/orders_2-b']);
    expect({
      'other kind of key': await refusedAs(kms.send(new UpdateAliasCommand({ AliasName: 'alias/orders', TargetKeyId: signer.KeyId }))),
      'unknown alias': await refusedAs(kms.send(new UpdateAliasCommand({ AliasName: 'alias/never-made', TargetKeyId: b.KeyId }))),
      reserved: await refusedAs(kms.send(new UpdateAliasCommand({ AliasName: 'alias/aws/s3', TargetKeyId: b.KeyId }))),
    }).toEqual({ 'other kind of key': 'ValidationException', 'unknown alias': 'NotFoundException', reserved: 'InvalidAliasNameException' });

    // Encrypt through the alias, decrypt through its ARN.
    const sealed = await encryptWith('alias/orders');
    expect(parseBlob(sealed.CiphertextBlob!).keyId).toBe(b.KeyId);
    expect((await kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, KeyId: `arn:aws:kms:${REGION}:${b.AWSAccountId}:alias/orders` }))).KeyId).toBe(b.Arn);

    await kms.send(new DeleteAliasCommand({ AliasName: 'alias/orders' }));
    expect(await refusedAs(describeKey('alias/orders'))).toBe('NotFoundException');
    expect(await refusedAs(kms.send(new DeleteAliasCommand({ AliasName: 'alias/orders' })))).toBe('NotFoundException');
    // The name is free again.
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/orders', TargetKeyId: a.KeyId }));
    expect((await describeKey('alias/orders')).KeyId).toBe(a.KeyId);
  });

  it('ListAliases pages with Limit and Marker', async () => {
    const pager = kmsClient(gw, await awsTenant(gw, 'aws-alias-pager'));
    const key = (await pager.send(new CreateKeyCommand({}))).KeyMetadata!;
    const made = ['alias/pa', 'alias/pb', 'alias/pc', 'alias/pd', 'alias/pe'];
    for (const AliasName of made) await pager.send(new CreateAliasCommand({ AliasName, TargetKeyId: key.KeyId }));
    const seen: string[] = [];
    const shapes: [number, boolean | undefined][] = [];
    let Marker: string | undefined;
    do {
      const page = await pager.send(new ListAliasesCommand({ Limit: 2, Marker }));
      seen.push(...page.Aliases!.map((x) => x.AliasName!));
      shapes.push([page.Aliases!.length, page.Truncated]);
      Marker = page.NextMarker;
    } while (Marker !== undefined);
    expect(shapes).toEqual([
      [2, true],
      [2, true],
      [1, false],
    ]);
    expect(seen.sort()).toEqual(made);
    expect(await refusedAs(pager.send(new ListAliasesCommand({ Marker: 'x' })))).toBe('InvalidMarkerException');
    expect(await refusedAs(pager.send(new ListAliasesCommand({ Limit: 101 })))).toBe('ValidationException');
  });
});

describe('tags', () => {
  it('TagResource, UntagResource and ListResourceTags, with AWS limits', async () => {
    const m = await create({ Tags: [{ TagKey: 'team', TagValue: 'core' }] });
    const tagsOf = async (KeyId = m.KeyId, Limit?: number) => (await kms.send(new ListResourceTagsCommand({ KeyId, Limit }))).Tags;
    expect(await tagsOf()).toEqual([{ TagKey: 'team', TagValue: 'core' }]);
    await kms.send(
      new TagResourceCommand({
        KeyId: m.Arn,
        Tags: [
          { TagKey: 'team', TagValue: 'payments' },
          { TagKey: 'env', TagValue: 'prod' },
          { TagKey: 'empty', TagValue: '' },
        ],
      }),
    );
    expect(await tagsOf()).toEqual([
      { TagKey: 'empty', TagValue: '' },
      { TagKey: 'env', TagValue: 'prod' },
      { TagKey: 'team', TagValue: 'payments' },
    ]);
    const first = await kms.send(new ListResourceTagsCommand({ KeyId: m.KeyId, Limit: 2 }));
    expect(first).toMatchObject({ Truncated: true, Tags: [{ TagKey: 'empty' }, { TagKey: 'env' }] });
    const second = await kms.send(new ListResourceTagsCommand({ KeyId: m.KeyId, Limit: 2, Marker: first.NextMarker }));
    expect(second).toMatchObject({ Truncated: false, Tags: [{ TagKey: 'team' }] });
    expect(second.NextMarker).toBeUndefined();

    await kms.send(new UntagResourceCommand({ KeyId: m.KeyId, TagKeys: ['env', 'not-there'] }));
    expect((await tagsOf())!.map((t) => t.TagKey)).toEqual(['empty', 'team']);

    expect({
      reserved: await refusedAs(kms.send(new TagResourceCommand({ KeyId: m.KeyId, Tags: [{ TagKey: 'aws:owner', TagValue: 'x' }] }))),
      'long key': await refusedAs(kms.send(new TagResourceCommand({ KeyId: m.KeyId, Tags: [{ TagKey: 'k'.repeat(129), TagValue: 'x' }] }))),
      'long value': await refusedAs(kms.send(new TagResourceCommand({ KeyId: m.KeyId, Tags: [{ TagKey: 'k', TagValue: 'v'.repeat(257) }] }))),
      'more than 50': await refusedAs(kms.send(new TagResourceCommand({ KeyId: m.KeyId, Tags: Array.from({ length: 49 }, (_, i) => ({ TagKey: `t${i}`, TagValue: '' })) }))),
      'unknown key': await refusedAs(kms.send(new TagResourceCommand({ KeyId: '00000000-0000-4000-8000-000000000000', Tags: [{ TagKey: 'a', TagValue: 'b' }] }))),
    }).toEqual({
      reserved: 'TagException',
      'long key': 'TagException',
      'long value': 'TagException',
      'more than 50': 'LimitExceededException',
      'unknown key': 'NotFoundException',
    });
    // CreateKey's Tags follow the same rules.
    expect({
      reserved: await refusedAs(create({ Tags: [{ TagKey: 'aws:owner', TagValue: 'x' }] })),
      'long key': await refusedAs(create({ Tags: [{ TagKey: 'k'.repeat(129), TagValue: 'x' }] })),
      'long value': await refusedAs(create({ Tags: [{ TagKey: 'k', TagValue: 'v'.repeat(257) }] })),
      'more than 50': await refusedAs(create({ Tags: Array.from({ length: 51 }, (_, i) => ({ TagKey: `t${i}`, TagValue: '' })) })),
    }).toEqual({ reserved: 'TagException', 'long key': 'TagException', 'long value': 'TagException', 'more than 50': 'LimitExceededException' });
    const fifty = await create({ Tags: Array.from({ length: 50 }, (_, i) => ({ TagKey: `t${i}`, TagValue: `${i}` })) });
    expect(await tagsOf(fifty.KeyId, 50)).toHaveLength(50);
    // 48 more make exactly 50.
    await kms.send(new TagResourceCommand({ KeyId: m.KeyId, Tags: Array.from({ length: 48 }, (_, i) => ({ TagKey: `t${i}`, TagValue: '' })) }));
    expect(await tagsOf(m.KeyId, 50)).toHaveLength(50);
    // Tags are shown, not used: DescribeKey is unchanged by them.
    expect((await describeKey(m.KeyId!)).KeyState).toBe('Enabled');
  });
});

describe('rotation', () => {
  it('EnableKeyRotation (90 to 2560 days), GetKeyRotationStatus, DisableKeyRotation', async () => {
    const m = await create();
    expect(await kms.send(new GetKeyRotationStatusCommand({ KeyId: m.KeyId }))).toMatchObject({ KeyId: m.Arn, KeyRotationEnabled: false });
    expect(await refusedAs(kms.send(new EnableKeyRotationCommand({ KeyId: m.KeyId, RotationPeriodInDays: 89 })))).toBe('ValidationException');
    expect(await refusedAs(kms.send(new EnableKeyRotationCommand({ KeyId: m.KeyId, RotationPeriodInDays: 2561 })))).toBe('ValidationException');
    const before = Date.now();
    await kms.send(new EnableKeyRotationCommand({ KeyId: m.KeyId, RotationPeriodInDays: 90 }));
    const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: m.Arn }));
    expect(status).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 90 });
    expect(status.NextRotationDate!.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 90 * DAY_MS);
    await kms.send(new EnableKeyRotationCommand({ KeyId: m.KeyId, RotationPeriodInDays: 2560 }));
    expect(await kms.send(new GetKeyRotationStatusCommand({ KeyId: m.KeyId }))).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 2560 });
    await kms.send(new EnableKeyRotationCommand({ KeyId: m.KeyId }));
    expect(await kms.send(new GetKeyRotationStatusCommand({ KeyId: m.KeyId }))).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 365 });
    await kms.send(new DisableKeyRotationCommand({ KeyId: m.KeyId }));
    const off = await kms.send(new GetKeyRotationStatusCommand({ KeyId: m.KeyId }));
    expect(off.KeyRotationEnabled).toBe(false);
    expect(off.RotationPeriodInDays).toBeUndefined();

    const disabled = await create();
    await kms.send(new DisableKeyCommand({ KeyId: disabled.KeyId }));
    expect(await refusedAs(kms.send(new EnableKeyRotationCommand({ KeyId: disabled.KeyId })))).toBe('DisabledException');
    expect(await refusedAs(kms.send(new RotateKeyOnDemandCommand({ KeyId: disabled.KeyId })))).toBe('DisabledException');
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: disabled.KeyId, PendingWindowInDays: 7 }));
    expect(await refusedAs(kms.send(new EnableKeyRotationCommand({ KeyId: disabled.KeyId })))).toBe('KMSInvalidStateException');
    expect(await refusedAs(kms.send(new RotateKeyOnDemandCommand({ KeyId: disabled.KeyId })))).toBe('KMSInvalidStateException');
    expect((await kms.send(new ListKeyRotationsCommand({ KeyId: disabled.KeyId }))).Rotations).toEqual([]);
  });

  it('only symmetric encryption keys rotate: UnsupportedOperationException for the others', async () => {
    const signer = await create({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    const hmac = await create({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const external = await create({ Origin: 'EXTERNAL' });
    for (const k of [signer, hmac, external]) {
      expect([k.KeySpec, k.Origin, await refusedAs(kms.send(new EnableKeyRotationCommand({ KeyId: k.KeyId })))]).toEqual([k.KeySpec, k.Origin, 'UnsupportedOperationException']);
      expect([k.KeySpec, k.Origin, await refusedAs(kms.send(new RotateKeyOnDemandCommand({ KeyId: k.KeyId })))]).toEqual([k.KeySpec, k.Origin, 'UnsupportedOperationException']);
    }
    expect(await kms.send(new GetKeyRotationStatusCommand({ KeyId: signer.KeyId }))).toMatchObject({ KeyRotationEnabled: false });
  });

  it('RotateKeyOnDemand: old ciphertexts still decrypt, new ones carry the new version, ListKeyRotations lists each rotation', async () => {
    const m = await create();
    const context = { purpose: 'rotation' };
    const v1 = await kms.send(new EncryptCommand({ KeyId: m.KeyId, Plaintext: Buffer.from('made with version 1'), EncryptionContext: context }));
    expect(parseBlob(v1.CiphertextBlob!)).toMatchObject({ format: 1, keyId: m.KeyId, version: 1 });
    expect((await kms.send(new ListKeyRotationsCommand({ KeyId: m.KeyId }))).Rotations).toEqual([]);

    const before = Date.now();
    expect((await kms.send(new RotateKeyOnDemandCommand({ KeyId: m.KeyId }))).KeyId).toBe(m.KeyId);
    const v2 = await kms.send(new EncryptCommand({ KeyId: m.KeyId, Plaintext: Buffer.from('made with version 2'), EncryptionContext: context }));
    expect(Buffer.from(v2.CiphertextBlob!).readUInt32BE(17)).toBe(2);
    expect(parseBlob(v2.CiphertextBlob!)).toMatchObject({ format: 1, keyId: m.KeyId, version: 2 });
    for (const [blob, text] of [
      [v1, 'made with version 1'],
      [v2, 'made with version 2'],
    ] as const) {
      const out = await kms.send(new DecryptCommand({ CiphertextBlob: blob.CiphertextBlob, EncryptionContext: context }));
      expect(Buffer.from(out.Plaintext!).toString()).toBe(text);
    }
    // Version 2's blob with the header saying version 1: the tag fails under the other material.
    const relabelled = Buffer.from(v2.CiphertextBlob!);
    relabelled.writeUInt32BE(1, 17);
    expect(await refusedAs(kms.send(new DecryptCommand({ CiphertextBlob: relabelled, EncryptionContext: context })))).toBe('InvalidCiphertextException');
    // A version the key never had.
    relabelled.writeUInt32BE(9, 17);
    expect(await refusedAs(kms.send(new DecryptCommand({ CiphertextBlob: relabelled, EncryptionContext: context })))).toBe('InvalidCiphertextException');

    await kms.send(new RotateKeyOnDemandCommand({ KeyId: m.Arn }));
    const v3 = await kms.send(new EncryptCommand({ KeyId: m.KeyId, Plaintext: Buffer.from('3') }));
    expect(parseBlob(v3.CiphertextBlob!).version).toBe(3);
    const rotations = (await kms.send(new ListKeyRotationsCommand({ KeyId: m.KeyId }))).Rotations!;
    expect(rotations).toHaveLength(2);
    for (const r of rotations) {
      expect(r).toMatchObject({ KeyId: m.KeyId, RotationType: 'ON_DEMAND' });
      expect(r.RotationDate!.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    }
    const page = await kms.send(new ListKeyRotationsCommand({ KeyId: m.KeyId, Limit: 1 }));
    expect(page).toMatchObject({ Truncated: true, Rotations: [rotations[0]] });
    const rest = await kms.send(new ListKeyRotationsCommand({ KeyId: m.KeyId, Limit: 1, Marker: page.NextMarker }));
    expect(rest).toMatchObject({ Truncated: false, Rotations: [rotations[1]] });
    // The data key blobs of a rotated key carry the new version too.
    expect(parseBlob((await kms.send(new sdk.GenerateDataKeyCommand({ KeyId: m.KeyId, KeySpec: 'AES_256' }))).CiphertextBlob!).version).toBe(3);
  });
});

describe("the key lifecycle carried out (lifecycle run --at a later time, as the gateway's scheduler would)", () => {
  it('a scheduled deletion destroys the key when its window ends: NotFoundException, gone from ListKeys and ListAliases; automatic rotation makes a new version', async () => {
    const doomed = await create();
    const sealed = await encryptWith(doomed.KeyId!);
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/doomed', TargetKeyId: doomed.KeyId }));
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomed.KeyId, PendingWindowInDays: 7 }));
    const rotating = await create();
    const before = await kms.send(new EncryptCommand({ KeyId: rotating.KeyId, Plaintext: Buffer.from('before the scheduled rotation') }));
    await kms.send(new EnableKeyRotationCommand({ KeyId: rotating.KeyId, RotationPeriodInDays: 90 }));

    const ran = await cli(gw.dataDir, ['lifecycle', 'run', '--at', new Date(Date.now() + 91 * DAY_MS).toISOString()]);
    expect(ran.code).toBe(0);
    expect(ran.json.destroyed).toContain(doomed.KeyId);
    expect(ran.json.rotated).toContain(rotating.KeyId);

    expect({
      describe: await refusedAs(describeKey(doomed.KeyId!)),
      encrypt: await refusedAs(encryptWith(doomed.KeyId!)),
      decrypt: await refusedAs(kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }))),
      cancel: await refusedAs(kms.send(new CancelKeyDeletionCommand({ KeyId: doomed.KeyId }))),
      alias: await refusedAs(describeKey('alias/doomed')),
    }).toEqual({ describe: 'NotFoundException', encrypt: 'NotFoundException', decrypt: 'NotFoundException', cancel: 'NotFoundException', alias: 'NotFoundException' });
    expect((await kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys!.map((k) => k.KeyId)).not.toContain(doomed.KeyId);
    expect((await kms.send(new ListAliasesCommand({}))).Aliases!.map((a) => a.AliasName)).not.toContain('alias/doomed');

    const rotations = (await kms.send(new ListKeyRotationsCommand({ KeyId: rotating.KeyId }))).Rotations!;
    expect(rotations).toEqual([expect.objectContaining({ KeyId: rotating.KeyId, RotationType: 'AUTOMATIC' })]);
    expect(parseBlob((await encryptWith(rotating.KeyId!)).CiphertextBlob!).version).toBe(2);
    expect(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: before.CiphertextBlob }))).Plaintext!).toString()).toBe('before the scheduled rotation');
    expect(await kms.send(new GetKeyRotationStatusCommand({ KeyId: rotating.KeyId }))).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 90 });
  });
});

describe('operations', () => {
  /** What the suites of test/aws exercise: a new served operation fails this until a suite covers it. */
  const COVERED = [
    'CancelKeyDeletion',
    'CreateAlias',
    'CreateKey',
    'Decrypt',
    'DeleteAlias',
    'DeleteImportedKeyMaterial',
    'DescribeKey',
    'DisableKey',
    'DisableKeyRotation',
    'EnableKey',
    'EnableKeyRotation',
    'Encrypt',
    'GenerateDataKey',
    'GenerateDataKeyPair',
    'GenerateDataKeyPairWithoutPlaintext',
    'GenerateDataKeyWithoutPlaintext',
    'GenerateMac',
    'GenerateRandom',
    'GetKeyRotationStatus',
    'GetParametersForImport',
    'GetPublicKey',
    'ImportKeyMaterial',
    'ListAliases',
    'ListKeyRotations',
    'ListKeys',
    'ListResourceTags',
    'ReEncrypt',
    'RotateKeyOnDemand',
    'ScheduleKeyDeletion',
    'Sign',
    'TagResource',
    'UntagResource',
    'UpdateAlias',
    'UpdateKeyDescription',
    'Verify',
    'VerifyMac',
  ];

  it('serves exactly the operations the suites cover', () => {
    expect(servedOperations()).toEqual(COVERED);
  });

  /** Every operation of the SDK: a served one, or UnsupportedOperationException naming it. */
  const sdkOperations = Object.keys(sdk)
    .filter((name) => /^[A-Z]\w+Command$/.test(name))
    .map((name) => name.slice(0, -'Command'.length))
    .sort();

  it('the SDK knows every served operation', () => {
    expect(COVERED.filter((op) => !sdkOperations.includes(op))).toEqual([]);
  });

  it.each(sdkOperations.filter((op) => !COVERED.includes(op)))('%s is not served: UnsupportedOperationException naming it', async (op) => {
    const Command = (sdk as unknown as Record<string, new (input: object) => Parameters<KMSClient['send']>[0]>)[`${op}Command`];
    const r = await refusal(kms.send(new Command({ KeyId: '00000000-0000-4000-8000-000000000000' })));
    expect(r).toMatchObject({ name: 'UnsupportedOperationException', status: 400 });
    expect(r.message).toContain(op);
    expect(Object.hasOwn(NOT_SERVED, op)).toBe(true);
  });

  it('an operation AWS does not have is UnknownOperationException', async () => {
    // The SDK sends only operations it knows: name one by hand through its command class.
    class MadeUpCommand extends sdk.DescribeKeyCommand {}
    const made = new MadeUpCommand({ KeyId: 'x' });
    made.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string> };
        request.headers['x-amz-target'] = 'TrentService.MadeUp';
        return next(args);
      },
      { step: 'build', name: 'madeUpTarget' },
    );
    expect(await refusal(kms.send(made))).toMatchObject({ name: 'UnknownOperationException', message: expect.stringContaining('MadeUp') });
  });
});

describeRefusals(['SM2']);
