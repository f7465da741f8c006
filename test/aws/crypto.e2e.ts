import { constants, createPrivateKey, createPublicKey, publicEncrypt, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateRandomCommand,
  GetPublicKeyCommand,
  KMSClient,
  ReEncryptCommand,
  type CreateKeyCommandInput,
  type DataKeyPairSpec,
  type EncryptionAlgorithmSpec,
  type KeyMetadata,
  type KeySpec,
} from '@aws-sdk/client-kms';
import { describeRefusals } from '../support/backend';
import { startGateway, type Gateway } from '../support/server';
import { awsTenant, bytes, kmsClient, parseBlob, refusal, refusedAs, withKeyOf } from './support';

/**
 * Encryption through the AWS SDK: symmetric blobs with encryption contexts, ReEncrypt, data keys
 * and data key pairs, random bytes, and RSA-OAEP (and SM2PKE) with asymmetric keys, whose
 * ciphertexts made locally with node:crypto decrypt through the gateway.
 */
let gw: Gateway;
let kms: KMSClient;
let aes: KeyMetadata;
let other: KeyMetadata;

const create = async (input: CreateKeyCommandInput = {}): Promise<KeyMetadata> => (await kms.send(new CreateKeyCommand(input))).KeyMetadata!;
const text = (b: Uint8Array | undefined) => bytes(b).toString('utf8');

beforeAll(async () => {
  gw = await startGateway();
  kms = kmsClient(gw, await awsTenant(gw, 'aws-crypto'));
  aes = await create({ Description: 'crypto suite' });
  other = await create();
  await kms.send(new CreateAliasCommand({ AliasName: 'alias/crypto', TargetKeyId: aes.KeyId }));
}, 60000);
afterAll(async () => {
  await gw.stop();
  gw.cleanup();
});

describe('Encrypt and Decrypt with a symmetric key', () => {
  const context = { tenant: 'a', purpose: 'orders', 'caf\u00e9': '\u4e2d\u6587' };

  it('takes the key by id, ARN, alias and alias ARN; Decrypt needs no KeyId', async () => {
    const aliasArn = `arn:aws:kms:eu-west-3:${aes.AWSAccountId}:alias/crypto`;
    for (const KeyId of [aes.KeyId!, aes.Arn!, 'alias/crypto', aliasArn]) {
      const enc = await kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from(`via ${KeyId}`), EncryptionContext: context }));
      expect(enc).toMatchObject({ KeyId: aes.Arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
      const blob = parseBlob(enc.CiphertextBlob!);
      expect(blob).toMatchObject({ format: 0x01, keyId: aes.KeyId, version: 1 });
      expect(blob.iv).toHaveLength(12);
      expect(blob.tag).toHaveLength(16);
      expect(blob.ciphertext).toHaveLength(Buffer.byteLength(`via ${KeyId}`));
      const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: context }));
      expect(dec).toMatchObject({ KeyId: aes.Arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
      expect(text(dec.Plaintext)).toBe(`via ${KeyId}`);
      // With the KeyId too, in any of its forms.
      expect(text((await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: context, KeyId }))).Plaintext)).toBe(`via ${KeyId}`);
    }
  });

  it('each blob has a fresh IV; 1 to 4096 bytes of plaintext', async () => {
    const one = await kms.send(new EncryptCommand({ KeyId: aes.KeyId, Plaintext: Buffer.from('same') }));
    const two = await kms.send(new EncryptCommand({ KeyId: aes.KeyId, Plaintext: Buffer.from('same') }));
    expect(parseBlob(one.CiphertextBlob!).iv.equals(parseBlob(two.CiphertextBlob!).iv)).toBe(false);
    const big = Buffer.alloc(4096, 7);
    const enc = await kms.send(new EncryptCommand({ KeyId: aes.KeyId, Plaintext: big }));
    expect(bytes((await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).Plaintext).equals(big)).toBe(true);
    expect(await refusedAs(kms.send(new EncryptCommand({ KeyId: aes.KeyId, Plaintext: Buffer.alloc(4097) })))).toBe('ValidationException');
    expect(await refusedAs(kms.send(new EncryptCommand({ KeyId: aes.KeyId, Plaintext: Buffer.alloc(0) })))).toBe('ValidationException');
  });

  it('the encryption context binds: member order does not matter, every pair does', async () => {
    const enc = await kms.send(new EncryptCommand({ KeyId: aes.KeyId, Plaintext: Buffer.from('bound'), EncryptionContext: context }));
    const reordered = { 'caf\u00e9': '\u4e2d\u6587', purpose: 'orders', tenant: 'a' };
    expect(text((await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: reordered }))).Plaintext)).toBe('bound');
    const wrong: Record<string, Record<string, string> | undefined> = {
      none: undefined,
      empty: {},
      'one pair missing': { tenant: 'a', purpose: 'orders' },
      'one pair more': { ...context, extra: 'x' },
      'a value changed': { ...context, tenant: 'b' },
      'a key changed': { tenant: 'a', purpose: 'orders', cafe: '\u4e2d\u6587' },
    };
    for (const [what, EncryptionContext] of Object.entries(wrong)) {
      expect([what, await refusal(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext })))]).toEqual([
        what,
        expect.objectContaining({ name: 'InvalidCiphertextException', status: 400 }),
      ]);
    }
    // Without a context at encryption, none is needed at decryption, and an empty one is the same.
    const bare = await kms.send(new EncryptCommand({ KeyId: aes.KeyId, Plaintext: Buffer.from('bare') }));
    expect(text((await kms.send(new DecryptCommand({ CiphertextBlob: bare.CiphertextBlob, EncryptionContext: {} }))).Plaintext)).toBe('bare');
    expect(await refusedAs(kms.send(new DecryptCommand({ CiphertextBlob: bare.CiphertextBlob, EncryptionContext: { a: 'b' } })))).toBe('InvalidCiphertextException');
  });

  it('Decrypt with the KeyId of another key is IncorrectKeyException', async () => {
    const enc = await kms.send(new EncryptCommand({ KeyId: aes.KeyId, Plaintext: Buffer.from('mine') }));
    expect(await refusal(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, KeyId: other.KeyId })))).toMatchObject({ name: 'IncorrectKeyException', status: 400 });
    expect(await refusedAs(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, KeyId: other.Arn })))).toBe('IncorrectKeyException');
    expect(await refusedAs(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, KeyId: '00000000-0000-4000-8000-000000000000' })))).toBe('NotFoundException');
  });

  it('a changed or foreign blob is InvalidCiphertextException', async () => {
    const enc = bytes((await kms.send(new EncryptCommand({ KeyId: aes.KeyId, Plaintext: Buffer.from('intact') }))).CiphertextBlob);
    const changed = (at: number) => {
      const b = Buffer.from(enc);
      b[at] ^= 0x01;
      return b;
    };
    const cases: Record<string, Buffer> = {
      'format byte': changed(0),
      'version 0': Buffer.concat([enc.subarray(0, 17), Buffer.alloc(4), enc.subarray(21)]),
      iv: changed(25),
      tag: changed(40),
      ciphertext: changed(50),
      truncated: enc.subarray(0, 48),
      'not ours': Buffer.from('this is not a ciphertext blob of this gateway at all, no'),
      // The header names another key of the tenant: its material does not open the tag.
      'other key named': Buffer.concat([enc.subarray(0, 1), Buffer.from(other.KeyId!.replace(/-/g, ''), 'hex'), enc.subarray(17)]),
    };
    for (const [what, CiphertextBlob] of Object.entries(cases)) {
      expect([what, await refusedAs(kms.send(new DecryptCommand({ CiphertextBlob })))]).toEqual([what, 'InvalidCiphertextException']);
    }
    // A header naming no key of the tenant: the key is not found.
    const unknown = Buffer.concat([enc.subarray(0, 1), Buffer.from('00000000000040008000000000000000', 'hex'), enc.subarray(17)]);
    expect(await refusedAs(kms.send(new DecryptCommand({ CiphertextBlob: unknown })))).toBe('NotFoundException');
  });

  it('keys of other kinds refuse SYMMETRIC_DEFAULT with InvalidKeyUsageException', async () => {
    const rsa = await create({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
    const hmac = await create({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const signer = await create({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    const sealed = await kms.send(new EncryptCommand({ KeyId: aes.KeyId, Plaintext: Buffer.from('x') }));
    const refusals: Record<string, string> = {};
    for (const k of [rsa, hmac, signer]) {
      refusals[`Encrypt ${k.KeySpec}`] = await refusedAs(kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('x') })));
      refusals[`GenerateDataKey ${k.KeySpec}`] = await refusedAs(kms.send(new GenerateDataKeyCommand({ KeyId: k.KeyId, KeySpec: 'AES_256' })));
      refusals[`GenerateDataKeyPair ${k.KeySpec}`] = await refusedAs(kms.send(new GenerateDataKeyPairCommand({ KeyId: k.KeyId, KeyPairSpec: 'ECC_NIST_P256' })));
      refusals[`ReEncrypt to ${k.KeySpec}`] = await refusedAs(kms.send(new ReEncryptCommand({ CiphertextBlob: sealed.CiphertextBlob, DestinationKeyId: k.KeyId })));
    }
    refusals['Encrypt RSAES_OAEP_SHA_256 with a symmetric key'] = await refusedAs(
      kms.send(new EncryptCommand({ KeyId: aes.KeyId, Plaintext: Buffer.from('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' })),
    );
    refusals['Decrypt RSAES_OAEP_SHA_256 with a symmetric key'] = await refusedAs(
      kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' })),
    );
    expect(Object.entries(refusals).filter(([, name]) => name !== 'InvalidKeyUsageException')).toEqual([]);
  });
});

describe('ReEncrypt', () => {
  it('moves a blob to another key and context without showing the plaintext', async () => {
    const enc = await kms.send(new EncryptCommand({ KeyId: aes.KeyId, Plaintext: Buffer.from('moving'), EncryptionContext: { from: 'a' } }));
    const re = await kms.send(
      new ReEncryptCommand({ CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: { from: 'a' }, DestinationKeyId: other.Arn, DestinationEncryptionContext: { to: 'b' } }),
    );
    expect(re).toMatchObject({ SourceKeyId: aes.Arn, KeyId: other.Arn, SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT', DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    expect(parseBlob(re.CiphertextBlob!).keyId).toBe(other.KeyId);
    expect(text((await kms.send(new DecryptCommand({ CiphertextBlob: re.CiphertextBlob, EncryptionContext: { to: 'b' } }))).Plaintext)).toBe('moving');
    expect(await refusedAs(kms.send(new DecryptCommand({ CiphertextBlob: re.CiphertextBlob, EncryptionContext: { from: 'a' } })))).toBe('InvalidCiphertextException');
    // Through the alias, with SourceKeyId given; a wrong source context or source key is refused.
    const again = await kms.send(
      new ReEncryptCommand({ CiphertextBlob: enc.CiphertextBlob, SourceKeyId: 'alias/crypto', SourceEncryptionContext: { from: 'a' }, DestinationKeyId: 'alias/crypto' }),
    );
    expect(parseBlob(again.CiphertextBlob!).keyId).toBe(aes.KeyId);
    expect(text((await kms.send(new DecryptCommand({ CiphertextBlob: again.CiphertextBlob }))).Plaintext)).toBe('moving');
    expect(await refusedAs(kms.send(new ReEncryptCommand({ CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: { from: 'x' }, DestinationKeyId: other.KeyId })))).toBe(
      'InvalidCiphertextException',
    );
    expect(
      await refusedAs(
        kms.send(new ReEncryptCommand({ CiphertextBlob: enc.CiphertextBlob, SourceKeyId: other.KeyId, SourceEncryptionContext: { from: 'a' }, DestinationKeyId: other.KeyId })),
      ),
    ).toBe('IncorrectKeyException');
  });

  it('to and from an RSA key', async () => {
    const rsa = await create({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
    const enc = await kms.send(new EncryptCommand({ KeyId: aes.KeyId, Plaintext: Buffer.from('to rsa') }));
    const toRsa = await kms.send(new ReEncryptCommand({ CiphertextBlob: enc.CiphertextBlob, DestinationKeyId: rsa.KeyId, DestinationEncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }));
    expect(toRsa).toMatchObject({ KeyId: rsa.Arn, DestinationEncryptionAlgorithm: 'RSAES_OAEP_SHA_256', SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    expect(toRsa.CiphertextBlob).toHaveLength(256);
    // An RSA ciphertext cannot carry an encryption context: asking for one is refused, not ignored.
    expect(
      await refusedAs(
        kms.send(
          new ReEncryptCommand({
            CiphertextBlob: enc.CiphertextBlob,
            DestinationKeyId: rsa.KeyId,
            DestinationEncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
            DestinationEncryptionContext: { bound: 'no' },
          }),
        ),
      ),
    ).toBe('ValidationException');
    expect(
      await refusedAs(
        kms.send(
          new ReEncryptCommand({
            CiphertextBlob: toRsa.CiphertextBlob,
            SourceKeyId: rsa.KeyId,
            SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
            SourceEncryptionContext: { bound: 'no' },
            DestinationKeyId: aes.KeyId,
          }),
        ),
      ),
    ).toBe('ValidationException');
    const back = await kms.send(
      new ReEncryptCommand({
        CiphertextBlob: toRsa.CiphertextBlob,
        SourceKeyId: rsa.KeyId,
        SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
        DestinationKeyId: aes.KeyId,
        DestinationEncryptionContext: { back: 'yes' },
      }),
    );
    expect(back).toMatchObject({ SourceKeyId: rsa.Arn, KeyId: aes.Arn, SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_256' });
    expect(text((await kms.send(new DecryptCommand({ CiphertextBlob: back.CiphertextBlob, EncryptionContext: { back: 'yes' } }))).Plaintext)).toBe('to rsa');
  });
});

describe('data keys', () => {
  it.each([
    ['AES_256', { KeySpec: 'AES_256' as const }, 32],
    ['AES_128', { KeySpec: 'AES_128' as const }, 16],
    ['NumberOfBytes 1', { NumberOfBytes: 1 }, 1],
    ['NumberOfBytes 64', { NumberOfBytes: 64 }, 64],
    ['NumberOfBytes 1024', { NumberOfBytes: 1024 }, 1024],
  ])('GenerateDataKey %s: the plaintext and a blob that decrypts to it', async (_what, size, length) => {
    const EncryptionContext = { bucket: 'b1' };
    const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: 'alias/crypto', ...size, EncryptionContext }));
    expect(dk.KeyId).toBe(aes.Arn);
    expect(dk.Plaintext).toHaveLength(length);
    expect(parseBlob(dk.CiphertextBlob!)).toMatchObject({ format: 1, keyId: aes.KeyId, version: 1 });
    const back = await kms.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob, EncryptionContext }));
    expect(bytes(back.Plaintext).equals(bytes(dk.Plaintext))).toBe(true);
    expect(await refusedAs(kms.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob })))).toBe('InvalidCiphertextException');
  });

  it('GenerateDataKeyWithoutPlaintext: only the blob, which decrypts to a key of the size asked', async () => {
    for (const [size, length] of [
      [{ KeySpec: 'AES_256' as const }, 32],
      [{ KeySpec: 'AES_128' as const }, 16],
      [{ NumberOfBytes: 48 }, 48],
    ] as const) {
      const dk = await kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: aes.KeyId, ...size, EncryptionContext: { k: 'v' } }));
      expect(dk).not.toHaveProperty('Plaintext');
      expect(dk.KeyId).toBe(aes.Arn);
      expect((await kms.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob, EncryptionContext: { k: 'v' } }))).Plaintext).toHaveLength(length);
    }
    const a = await kms.send(new GenerateDataKeyCommand({ KeyId: aes.KeyId, KeySpec: 'AES_256' }));
    const b = await kms.send(new GenerateDataKeyCommand({ KeyId: aes.KeyId, KeySpec: 'AES_256' }));
    expect(bytes(a.Plaintext).equals(bytes(b.Plaintext))).toBe(false);
  });

  it('exactly one of KeySpec and NumberOfBytes, 1 to 1024 bytes', async () => {
    expect({
      neither: await refusedAs(kms.send(new GenerateDataKeyCommand({ KeyId: aes.KeyId }))),
      both: await refusedAs(kms.send(new GenerateDataKeyCommand({ KeyId: aes.KeyId, KeySpec: 'AES_256', NumberOfBytes: 32 }))),
      zero: await refusedAs(kms.send(new GenerateDataKeyCommand({ KeyId: aes.KeyId, NumberOfBytes: 0 }))),
      'too many': await refusedAs(kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: aes.KeyId, NumberOfBytes: 1025 }))),
    }).toEqual({ neither: 'ValidationException', both: 'ValidationException', zero: 'ValidationException', 'too many': 'ValidationException' });
  });
});

describe('data key pairs', () => {
  const PAIRS: [DataKeyPairSpec, string, Record<string, unknown>, string | null][] = [
    ['RSA_2048', 'rsa', { modulusLength: 2048 }, 'sha256'],
    ['RSA_3072', 'rsa', { modulusLength: 3072 }, 'sha256'],
    ['RSA_4096', 'rsa', { modulusLength: 4096 }, 'sha512'],
    ['ECC_NIST_P256', 'ec', { namedCurve: 'prime256v1' }, 'sha256'],
    ['ECC_NIST_P384', 'ec', { namedCurve: 'secp384r1' }, 'sha384'],
    ['ECC_NIST_P521', 'ec', { namedCurve: 'secp521r1' }, 'sha512'],
    ['ECC_SECG_P256K1', 'ec', { namedCurve: 'secp256k1' }, 'sha256'],
  ];

  /** The PKCS#8 signs locally and the SPKI verifies it: the two halves are one pair. */
  function samePair(pkcs8: Buffer, spki: Buffer, hash: string | null) {
    const priv = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    const pub = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    const msg = Buffer.from('a message signed with the data key pair');
    expect(nodeVerify(hash, msg, pub, nodeSign(hash, msg, priv))).toBe(true);
    // And the public half derived from the private one is the SPKI given.
    expect(createPublicKey(priv).export({ format: 'der', type: 'spki' }).equals(spki)).toBe(true);
    return { priv, pub };
  }

  it.each(PAIRS)('GenerateDataKeyPair %s', async (KeyPairSpec, type, details, hash) => {
    const EncryptionContext = { pair: KeyPairSpec };
    const r = await kms.send(new GenerateDataKeyPairCommand({ KeyId: aes.KeyId, KeyPairSpec, EncryptionContext }));
    expect(r).toMatchObject({ KeyId: aes.Arn, KeyPairSpec });
    const { priv } = samePair(bytes(r.PrivateKeyPlaintext), bytes(r.PublicKey), hash);
    expect(priv.asymmetricKeyType).toBe(type);
    expect(priv.asymmetricKeyDetails).toMatchObject(details);
    expect(parseBlob(r.PrivateKeyCiphertextBlob!)).toMatchObject({ format: 1, keyId: aes.KeyId, version: 1 });
    const opened = await kms.send(new DecryptCommand({ CiphertextBlob: r.PrivateKeyCiphertextBlob, EncryptionContext }));
    expect(bytes(opened.Plaintext).equals(bytes(r.PrivateKeyPlaintext))).toBe(true);
    expect(await refusedAs(kms.send(new DecryptCommand({ CiphertextBlob: r.PrivateKeyCiphertextBlob })))).toBe('InvalidCiphertextException');
  });

  it.each(PAIRS.filter(([spec]) => ['RSA_2048', 'ECC_NIST_P384', 'ECC_SECG_P256K1'].includes(spec)))(
    'GenerateDataKeyPairWithoutPlaintext %s: the blob decrypts to the private half of the public key given',
    async (KeyPairSpec, _type, _details, hash) => {
      const r = await kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: 'alias/crypto', KeyPairSpec }));
      expect(r).toMatchObject({ KeyId: aes.Arn, KeyPairSpec });
      expect(r).not.toHaveProperty('PrivateKeyPlaintext');
      const opened = await kms.send(new DecryptCommand({ CiphertextBlob: r.PrivateKeyCiphertextBlob }));
      samePair(bytes(opened.Plaintext), bytes(r.PublicKey), hash);
    },
  );

  it('SM2 pairs are not made: UnsupportedOperationException', async () => {
    expect(await refusal(kms.send(new GenerateDataKeyPairCommand({ KeyId: aes.KeyId, KeyPairSpec: 'SM2' })))).toMatchObject({
      name: 'UnsupportedOperationException',
      message: expect.stringContaining('SM2'),
    });
    expect(await refusedAs(kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: aes.KeyId, KeyPairSpec: 'SM2' })))).toBe('UnsupportedOperationException');
    expect(await refusedAs(kms.send(new GenerateDataKeyPairCommand({ KeyId: aes.KeyId, KeyPairSpec: 'RSA_1024' as DataKeyPairSpec })))).toBe('ValidationException');
  });
});

describe('GenerateRandom', () => {
  it('1 to 1024 random bytes', async () => {
    for (const n of [1, 32, 1024]) expect((await kms.send(new GenerateRandomCommand({ NumberOfBytes: n }))).Plaintext).toHaveLength(n);
    const a = bytes((await kms.send(new GenerateRandomCommand({ NumberOfBytes: 32 }))).Plaintext);
    const b = bytes((await kms.send(new GenerateRandomCommand({ NumberOfBytes: 32 }))).Plaintext);
    expect(a.equals(b)).toBe(false);
    expect({
      zero: await refusedAs(kms.send(new GenerateRandomCommand({ NumberOfBytes: 0 }))),
      'too many': await refusedAs(kms.send(new GenerateRandomCommand({ NumberOfBytes: 1025 }))),
      missing: await refusedAs(kms.send(new GenerateRandomCommand({}))),
      'custom key store': await refusedAs(kms.send(new GenerateRandomCommand({ NumberOfBytes: 8, CustomKeyStoreId: 'cks-1234567890abcdef0' }))),
    }).toEqual({ zero: 'ValidationException', 'too many': 'ValidationException', missing: 'ValidationException', 'custom key store': 'UnsupportedOperationException' });
  });
});

describe('asymmetric encryption', () => {
  const OAEP: Record<string, string> = { RSAES_OAEP_SHA_1: 'sha1', RSAES_OAEP_SHA_256: 'sha256' };

  it.each(['RSA_2048', 'RSA_3072', 'RSA_4096'] as KeySpec[])('%s: RSAES_OAEP_SHA_1 and SHA_256 both ways, locally made ciphertexts decrypt', async (KeySpec) => {
    const m = await create({ KeySpec, KeyUsage: 'ENCRYPT_DECRYPT' });
    const spki = bytes((await kms.send(new GetPublicKeyCommand({ KeyId: m.KeyId }))).PublicKey);
    const pub = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    const modulusBytes = Number(KeySpec.slice(4)) / 8;
    for (const [EncryptionAlgorithm, oaepHash] of Object.entries(OAEP) as [EncryptionAlgorithmSpec, string][]) {
      const plaintext = Buffer.from(`${KeySpec} ${EncryptionAlgorithm}`);
      // The gateway encrypts; the gateway decrypts.
      const enc = await kms.send(new EncryptCommand({ KeyId: m.KeyId, Plaintext: plaintext, EncryptionAlgorithm }));
      expect(enc).toMatchObject({ KeyId: m.Arn, EncryptionAlgorithm });
      expect(enc.CiphertextBlob).toHaveLength(modulusBytes);
      const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, KeyId: m.KeyId, EncryptionAlgorithm }));
      expect(dec).toMatchObject({ KeyId: m.Arn, EncryptionAlgorithm });
      expect(bytes(dec.Plaintext).equals(plaintext)).toBe(true);
      // node:crypto encrypts with the public key; the gateway decrypts.
      const local = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, plaintext);
      expect(bytes((await kms.send(new DecryptCommand({ CiphertextBlob: local, KeyId: m.Arn, EncryptionAlgorithm }))).Plaintext).equals(plaintext)).toBe(true);
      // The other OAEP hash does not open it.
      const otherAlg = (EncryptionAlgorithm === 'RSAES_OAEP_SHA_1' ? 'RSAES_OAEP_SHA_256' : 'RSAES_OAEP_SHA_1') as EncryptionAlgorithmSpec;
      expect(await refusedAs(kms.send(new DecryptCommand({ CiphertextBlob: local, KeyId: m.KeyId, EncryptionAlgorithm: otherAlg })))).toBe('InvalidCiphertextException');
    }
    // The largest plaintext OAEP-SHA-256 takes: k - 2*32 - 2 bytes.
    const max = Buffer.alloc(modulusBytes - 66, 1);
    const enc = await kms.send(new EncryptCommand({ KeyId: m.KeyId, Plaintext: max, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }));
    expect(bytes((await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, KeyId: m.KeyId, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }))).Plaintext)).toEqual(max);
  });

  it('refusals: no algorithm, an encryption context, a signing key', async () => {
    const rsa = await create({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
    const signing = await create({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' });
    const enc = await kms.send(new EncryptCommand({ KeyId: rsa.KeyId, Plaintext: Buffer.from('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' }));
    expect({
      'decrypt without algorithm': await refusedAs(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, KeyId: rsa.KeyId }))),
      // Without the KeyId the gateway reads the ciphertext as a blob of its own: an RSA algorithm does not fit that, and the bytes are no blob.
      'decrypt without KeyId': await refusedAs(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' }))),
      'decrypt without KeyId or algorithm': await refusedAs(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))),
      'encryption context': await refusedAs(
        kms.send(new EncryptCommand({ KeyId: rsa.KeyId, Plaintext: Buffer.from('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_1', EncryptionContext: { a: 'b' } })),
      ),
      'signing key': await refusedAs(kms.send(new EncryptCommand({ KeyId: signing.KeyId, Plaintext: Buffer.from('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }))),
      'SM2PKE with RSA': await refusedAs(kms.send(new EncryptCommand({ KeyId: rsa.KeyId, Plaintext: Buffer.from('x'), EncryptionAlgorithm: 'SM2PKE' }))),
      'too long for OAEP': await refusedAs(kms.send(new EncryptCommand({ KeyId: rsa.KeyId, Plaintext: Buffer.alloc(191), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }))),
    }).toEqual({
      'decrypt without algorithm': 'InvalidKeyUsageException',
      'decrypt without KeyId': 'InvalidKeyUsageException',
      'decrypt without KeyId or algorithm': 'InvalidCiphertextException',
      'encryption context': 'ValidationException',
      'signing key': 'InvalidKeyUsageException',
      'SM2PKE with RSA': 'InvalidKeyUsageException',
      'too long for OAEP': 'ValidationException',
    });
  });

  it('SM2: SM2PKE both ways', () =>
    withKeyOf(kms, { KeySpec: 'SM2', KeyUsage: 'ENCRYPT_DECRYPT' }, 'ec-sm2', 'SM2', async (m) => {
      const enc = await kms.send(new EncryptCommand({ KeyId: m.KeyId, Plaintext: Buffer.from('sm2 plaintext'), EncryptionAlgorithm: 'SM2PKE' }));
      expect(enc.EncryptionAlgorithm).toBe('SM2PKE');
      const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, KeyId: m.KeyId, EncryptionAlgorithm: 'SM2PKE' }));
      expect(text(dec.Plaintext)).toBe('sm2 plaintext');
      expect(await refusedAs(kms.send(new EncryptCommand({ KeyId: m.KeyId, Plaintext: Buffer.from('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' })))).toBe(
        'InvalidKeyUsageException',
      );
    }));
});

describeRefusals(['SM2']);
