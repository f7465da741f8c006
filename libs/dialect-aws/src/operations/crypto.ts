import { type AsymParams, type KeyRecord, KmsError, atVersion, specInfo } from '@kms/core';
import { keyArn } from '../arn';
import { type Blob as DecodedBlob, decodeBlob, encodeBlob, encodeContext, invalidCiphertext } from '../blob';
import { AwsError, validation } from '../errors';
import { ASYM_ENCRYPTION, KEY_SPECS } from '../key-specs';
import type { AwsAction, AwsCall } from './context';
import { dryRun, isDryRun } from './dry-run';
import { keyOrAlias, lookup } from './keys';

export const ENCRYPTION_ALGORITHMS = ['SYMMETRIC_DEFAULT', ...Object.keys(ASYM_ENCRYPTION)];
/** AWS's limits: 4096 bytes of plaintext, 6144 of ciphertext, 1024 bytes of data key or random. */
export const MAX = { plaintext: 4096, ciphertext: 6144, bytes: 1024 };
export const DATA_KEY_SPECS: Record<string, number> = { AES_256: 32, AES_128: 16 };

const isSymmetric = (r: KeyRecord) => specInfo(r.spec).symmetric;

function asymAlgorithm(c: AwsCall, r: KeyRecord, field: string) {
  const name = c.input.string(field, { oneOf: ENCRYPTION_ALGORITHMS });
  if (!name || name === 'SYMMETRIC_DEFAULT')
    throw new AwsError('InvalidKeyUsageException', `${field} is required for an asymmetric KMS key: ${Object.keys(ASYM_ENCRYPTION).join(', ')}`);
  const alg = ASYM_ENCRYPTION[name];
  if ((alg.scheme === 'SM2') !== (specInfo(r.spec).family === 'sm2')) throw new AwsError('InvalidKeyUsageException', `${name} is not valid for this key`);
  return { name, alg };
}

function checkSymmetricAlgorithm(c: AwsCall, field: string): void {
  const name = c.input.string(field, { oneOf: ENCRYPTION_ALGORITHMS });
  if (name !== undefined && name !== 'SYMMETRIC_DEFAULT') throw new AwsError('InvalidKeyUsageException', `${name} is not valid for a symmetric KMS key`);
}

/**
 * Runs an operation that needs a symmetric encryption key (AES-GCM under it). The core refuses
 * it on an asymmetric key as unsupported; AWS calls that InvalidKeyUsageException.
 */
async function symmetricOnly<T>(c: AwsCall, ref: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof KmsError && err.code === 'UNSUPPORTED' && !isSymmetric(await lookup(c, ref)))
      throw Object.assign(new AwsError('InvalidKeyUsageException', 'This operation requires a symmetric encryption KMS key.'), { audited: true });
    throw err;
  }
}

/** Encrypts under a symmetric key into our blob; returns the blob and the key's id. */
async function sealBlob(c: AwsCall, ref: string, plaintext: Buffer, context: Record<string, string> | undefined) {
  const r = await symmetricOnly(c, ref, () => c.keys.encrypt(c.caller, ref, { alg: 'AES-GCM', plaintext, aad: encodeContext(context) }));
  return { blob: encodeBlob({ keyId: r.keyId, version: r.keyVersion, iv: r.iv, tag: r.tag, ciphertext: r.ciphertext }), keyId: r.keyId };
}

/** What a ciphertext is, once read: a raw RSA/SM2 ciphertext for a named asymmetric key, or a blob of ours. */
type Source =
  { kind: 'asymmetric'; keyId: string; name: string; alg: AsymParams; ciphertext: Buffer } | { kind: 'blob'; blob: DecodedBlob; context: Record<string, string> | undefined };

/**
 * Reads a blob of ours, or (with an asymmetric KeyId) a raw RSA/SM2 ciphertext. A KeyId given
 * with a blob must name the blob's key: IncorrectKeyException otherwise, as AWS answers.
 */
async function source(c: AwsCall, ciphertext: Buffer, keyIdField: string, algField: string, context: Record<string, string> | undefined): Promise<Source> {
  const named = c.input.has(keyIdField) ? await lookup(c, keyOrAlias(c, keyIdField)) : null;
  if (named && !isSymmetric(named)) {
    const { name, alg } = asymAlgorithm(c, named, algField);
    if (context) throw validation('EncryptionContext is not supported with asymmetric KMS keys');
    return { kind: 'asymmetric', keyId: named.id, name, alg, ciphertext };
  }
  checkSymmetricAlgorithm(c, algField);
  const blob = decodeBlob(ciphertext);
  if (named && named.id !== blob.keyId) throw new AwsError('IncorrectKeyException', 'The key ID in the request does not identify the KMS key that encrypted the ciphertext.');
  return { kind: 'blob', blob, context };
}

/** The key a source is opened with, for a dry run. */
const sourceKey = (s: Source) => (s.kind === 'asymmetric' ? s.keyId : atVersion(s.blob.keyId, s.blob.version));

async function open(c: AwsCall, s: Source) {
  if (s.kind === 'asymmetric') return { plaintext: await c.keys.asymDecrypt(c.caller, s.keyId, s.alg, s.ciphertext), keyId: s.keyId, algorithm: s.name };
  const b = s.blob;
  try {
    const plaintext = await c.keys.decrypt(c.caller, atVersion(b.keyId, b.version), {
      alg: 'AES-GCM',
      ciphertext: b.ciphertext,
      iv: b.iv,
      tag: b.tag,
      aad: encodeContext(s.context),
    });
    return { plaintext, keyId: b.keyId, algorithm: 'SYMMETRIC_DEFAULT' };
  } catch (err) {
    // A version the key no longer keeps, or a header naming no key of ours: the blob is not valid here.
    if (err instanceof KmsError && err.code === 'INVALID_ARGUMENT' && err.field === 'version') throw Object.assign(invalidCiphertext(), { audited: true });
    throw err;
  }
}

/** A dry run of an operation that encrypts under a symmetric key: an asymmetric key is InvalidKeyUsageException, as the operation would answer. */
async function symmetricDryRun(c: AwsCall, ref: string): Promise<never> {
  const r = await lookup(c, ref);
  if (!isSymmetric(r)) throw new AwsError('InvalidKeyUsageException', 'This operation requires a symmetric encryption KMS key.');
  return dryRun(c, [r.id, 'encrypt']);
}

const arn = (c: AwsCall, id: string) => keyArn(c.caller.region, c.caller.account, id);

async function dataKey(c: AwsCall, withPlaintext: boolean) {
  const ref = keyOrAlias(c);
  const spec = c.input.string('KeySpec', { oneOf: Object.keys(DATA_KEY_SPECS) });
  const bytes = c.input.integer('NumberOfBytes', { min: 1, max: MAX.bytes });
  if ((spec === undefined) === (bytes === undefined)) throw validation('Exactly one of KeySpec and NumberOfBytes is required');
  const context = c.input.stringMap('EncryptionContext');
  if (isDryRun(c)) await symmetricDryRun(c, ref);
  const r = await symmetricOnly(c, ref, () => c.keys.generateDataKey(c.caller, ref, { alg: 'AES-GCM', aad: encodeContext(context), length: bytes ?? DATA_KEY_SPECS[spec!] }));
  try {
    const blob = encodeBlob({ keyId: r.keyId, version: r.keyVersion, ...r.sealed });
    return { CiphertextBlob: blob.toString('base64'), KeyId: arn(c, r.keyId), ...(withPlaintext ? { Plaintext: r.dataKey.toString('base64') } : {}) };
  } finally {
    r.dataKey.fill(0);
  }
}

/**
 * GenerateDataKeyPair's KeyPairSpec -> the core's spec: CreateKey's RSA and ECC specs, which are
 * named alike (SM2 pairs are not made: node:crypto has no SM2 key generation).
 */
export const KEY_PAIR_SPECS: Record<string, string> = Object.fromEntries(Object.entries(KEY_SPECS).filter(([aws]) => /^(RSA|ECC)_/.test(aws)));

async function dataKeyPair(c: AwsCall, withPlaintext: boolean) {
  const ref = keyOrAlias(c);
  const pairSpec = c.input.string('KeyPairSpec', { required: true, oneOf: [...Object.keys(KEY_PAIR_SPECS), 'SM2'] });
  if (!KEY_PAIR_SPECS[pairSpec]) throw new AwsError('UnsupportedOperationException', `KeyPairSpec ${pairSpec} is not supported`);
  if (c.input.has('Recipient')) throw new AwsError('UnsupportedOperationException', 'Recipient (Nitro Enclaves attestation) is not supported');
  const context = c.input.stringMap('EncryptionContext');
  if (isDryRun(c)) await symmetricDryRun(c, ref);
  const r = await symmetricOnly(c, ref, () => c.keys.generateDataKeyPair(c.caller, ref, { alg: 'AES-GCM', aad: encodeContext(context), spec: KEY_PAIR_SPECS[pairSpec] }));
  try {
    return {
      PrivateKeyCiphertextBlob: encodeBlob({ keyId: r.keyId, version: r.keyVersion, ...r.sealed }).toString('base64'),
      ...(withPlaintext ? { PrivateKeyPlaintext: r.privateKey.toString('base64') } : {}),
      PublicKey: r.publicKey.toString('base64'),
      KeyId: arn(c, r.keyId),
      KeyPairSpec: pairSpec,
    };
  } finally {
    r.privateKey.fill(0);
  }
}

export const CRYPTO_ACTIONS: Record<string, AwsAction> = {
  Encrypt: async (c) => {
    const ref = keyOrAlias(c);
    const plaintext = c.input.blob('Plaintext', { required: true, min: 1, max: MAX.plaintext });
    const context = c.input.stringMap('EncryptionContext');
    const alg = c.input.string('EncryptionAlgorithm', { oneOf: ENCRYPTION_ALGORITHMS });
    if (alg === undefined || alg === 'SYMMETRIC_DEFAULT') {
      if (isDryRun(c)) await symmetricDryRun(c, ref);
      const { blob, keyId } = await sealBlob(c, ref, plaintext, context);
      return { CiphertextBlob: blob.toString('base64'), KeyId: arn(c, keyId), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    }
    const r = await lookup(c, ref);
    if (isSymmetric(r)) throw new AwsError('InvalidKeyUsageException', `${alg} is not valid for a symmetric KMS key`);
    const { name, alg: params } = asymAlgorithm(c, r, 'EncryptionAlgorithm');
    if (context) throw validation('EncryptionContext is not supported with asymmetric KMS keys');
    if (isDryRun(c)) await dryRun(c, [r.id, 'encrypt']);
    const ct = await c.keys.asymEncrypt(c.caller, r.id, params, plaintext);
    return { CiphertextBlob: ct.toString('base64'), KeyId: arn(c, r.id), EncryptionAlgorithm: name };
  },
  Decrypt: async (c) => {
    const blob = c.input.blob('CiphertextBlob', { required: true, min: 1, max: MAX.ciphertext });
    if (c.input.has('Recipient')) throw new AwsError('UnsupportedOperationException', 'Recipient (Nitro Enclaves attestation) is not supported');
    const s = await source(c, blob, 'KeyId', 'EncryptionAlgorithm', c.input.stringMap('EncryptionContext'));
    if (isDryRun(c)) await dryRun(c, [sourceKey(s), 'decrypt']);
    const r = await open(c, s);
    try {
      return { KeyId: arn(c, r.keyId), Plaintext: r.plaintext.toString('base64'), EncryptionAlgorithm: r.algorithm };
    } finally {
      r.plaintext.fill(0);
    }
  },
  ReEncrypt: async (c) => {
    const blob = c.input.blob('CiphertextBlob', { required: true, min: 1, max: MAX.ciphertext });
    const destination = keyOrAlias(c, 'DestinationKeyId');
    const from = await source(c, blob, 'SourceKeyId', 'SourceEncryptionAlgorithm', c.input.stringMap('SourceEncryptionContext'));
    const alg = c.input.string('DestinationEncryptionAlgorithm', { oneOf: ENCRYPTION_ALGORITHMS });
    const context = c.input.stringMap('DestinationEncryptionContext');
    const symmetric = alg === undefined || alg === 'SYMMETRIC_DEFAULT';
    const to = symmetric ? null : await lookup(c, destination);
    if (to && isSymmetric(to)) throw new AwsError('InvalidKeyUsageException', `${alg} is not valid for a symmetric KMS key`);
    const asym = to ? asymAlgorithm(c, to, 'DestinationEncryptionAlgorithm') : null;
    if (to && context) throw validation('DestinationEncryptionContext is not supported with asymmetric KMS keys');
    if (isDryRun(c)) {
      const target = to ?? (await lookup(c, destination));
      if (!to && !isSymmetric(target)) throw new AwsError('InvalidKeyUsageException', 'This operation requires a symmetric encryption KMS key.');
      await dryRun(c, [sourceKey(from), 'decrypt'], [target.id, 'encrypt']);
    }
    const opened = await open(c, from);
    try {
      let out: { blob: Buffer; keyId: string; algorithm: string };
      if (!to || !asym) {
        out = { ...(await sealBlob(c, destination, opened.plaintext, context)), algorithm: 'SYMMETRIC_DEFAULT' };
      } else {
        out = { blob: await c.keys.asymEncrypt(c.caller, to.id, asym.alg, opened.plaintext), keyId: to.id, algorithm: asym.name };
      }
      return {
        CiphertextBlob: out.blob.toString('base64'),
        SourceKeyId: arn(c, opened.keyId),
        KeyId: arn(c, out.keyId),
        SourceEncryptionAlgorithm: opened.algorithm,
        DestinationEncryptionAlgorithm: out.algorithm,
      };
    } finally {
      opened.plaintext.fill(0);
    }
  },
  GenerateDataKey: (c) => dataKey(c, true),
  GenerateDataKeyWithoutPlaintext: (c) => dataKey(c, false),
  GenerateDataKeyPair: (c) => dataKeyPair(c, true),
  GenerateDataKeyPairWithoutPlaintext: (c) => dataKeyPair(c, false),
  GenerateRandom: async (c) => {
    const n = c.input.integer('NumberOfBytes', { min: 1, max: MAX.bytes });
    if (n === undefined) throw validation("1 validation error detected: Value at 'numberOfBytes' failed to satisfy constraint: Member must not be null");
    if (c.input.has('CustomKeyStoreId')) throw new AwsError('UnsupportedOperationException', 'Custom key stores are not supported');
    if (c.input.has('Recipient')) throw new AwsError('UnsupportedOperationException', 'Recipient (Nitro Enclaves attestation) is not supported');
    return { Plaintext: (await c.keys.random(c.caller, n)).toString('base64') };
  },
};
