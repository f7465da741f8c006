import { createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { INTERNAL_KEY_ATTRIBUTE, KmsError, specInfo, type AsymParams, type KeyRecord } from '@kms/core';
import { keyArn } from '../arn';
import { AwsError, validation } from '../errors';
import { seconds } from '../metadata';
import type { AwsAction, AwsCall } from './context';
import { keyOnly, lookup } from './keys';

/** How long an import token and its wrapping key are valid (AWS: 24 hours). */
const TOKEN_TTL_MS = 24 * 60 * 60 * 1000;
export const WRAPPING_SPECS: Record<string, string> = { RSA_2048: 'rsa-2048', RSA_3072: 'rsa-3072', RSA_4096: 'rsa-4096' };
/** How the material arrives: RSA-OAEP of the material itself, or RSA-OAEP of an AES key that wraps it (AES-KWP, RFC 5649). */
export const WRAPPING_ALGORITHMS: Record<string, { oaep: AsymParams; aesKeyWrap: boolean }> = {
  RSAES_OAEP_SHA_1: { oaep: { scheme: 'RSA-OAEP', hash: 'SHA-1' }, aesKeyWrap: false },
  RSAES_OAEP_SHA_256: { oaep: { scheme: 'RSA-OAEP', hash: 'SHA-256' }, aesKeyWrap: false },
  RSA_AES_KEY_WRAP_SHA_1: { oaep: { scheme: 'RSA-OAEP', hash: 'SHA-1' }, aesKeyWrap: true },
  RSA_AES_KEY_WRAP_SHA_256: { oaep: { scheme: 'RSA-OAEP', hash: 'SHA-256' }, aesKeyWrap: true },
};
/** SYMMETRIC_DEFAULT material: 256 bits. */
const MATERIAL_BYTES = 32;

interface ImportToken {
  /** target key */
  k: string;
  /** wrapping key */
  w: string;
  /** wrapping algorithm */
  a: string;
  /** tenant */
  t: string;
  /** expiry, ms */
  e: number;
}

/** `base64url(json) "." base64url(HMAC-SHA256)`, base64 again: opaque to clients, authenticated for us. */
function mintToken(c: AwsCall, t: ImportToken): Buffer {
  const body = Buffer.from(JSON.stringify(t), 'utf8').toString('base64url');
  return Buffer.from(`${body}.${tokenMac(c, body).toString('base64url')}`, 'utf8');
}

const tokenMac = (c: AwsCall, body: string) => createHmac('sha256', c.derived.importToken).update(`aws-import-token/v1:${body}`, 'utf8').digest();

function readToken(c: AwsCall, raw: Buffer): ImportToken {
  const invalid = new AwsError('InvalidImportTokenException', 'The import token is not valid for this key.');
  const [body, mac, extra] = raw.toString('utf8').split('.');
  if (!body || !mac || extra !== undefined) throw invalid;
  const given = Buffer.from(mac, 'base64url');
  const expected = tokenMac(c, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as ImportToken;
  } catch {
    throw invalid;
  }
}

const byokOf = (r: KeyRecord) => (r.attributes?.awsByok ?? null) as { wrappingKeyId: string } | null;
const fingerprintOf = (r: KeyRecord) => (typeof r.attributes?.awsMaterialFingerprint === 'string' ? r.attributes.awsMaterialFingerprint : null);

async function externalKey(c: AwsCall): Promise<KeyRecord> {
  const r = await lookup(c, keyOnly(c));
  if (r.origin !== 'external') throw new AwsError('UnsupportedOperationException', 'Key material can be imported only into KMS keys whose Origin is EXTERNAL.');
  return r;
}

async function destroyQuietly(c: AwsCall, id: string | null | undefined): Promise<void> {
  if (!id) return;
  await c.keys.destroy(c.caller, id).catch((err: unknown) => {
    if (!(err instanceof KmsError && err.code === 'NOT_FOUND')) throw err;
  });
}

/** RFC 5649 AES key wrap with padding, undone with the one-off AES key the client chose (node names it `id-aes256-wrap-pad`). */
function unwrapKwp(kek: Buffer, wrapped: Buffer): Buffer {
  if (kek.length !== 32) throw new AwsError('InvalidCiphertextException', 'The wrapped AES key is not 256 bits.');
  try {
    const d = createDecipheriv('id-aes256-wrap-pad', kek, Buffer.from('a65959a6', 'hex'));
    return Buffer.concat([d.update(wrapped), d.final()]);
  } catch {
    throw new AwsError('InvalidCiphertextException', 'The key material could not be unwrapped.');
  }
}

export const IMPORT_ACTIONS: Record<string, AwsAction> = {
  /**
   * A fresh RSA wrapping pair made in the core (usage: decrypt only, an internal key no listing
   * shows), tied to the target key and expiring with the token; a newer call replaces it.
   */
  GetParametersForImport: async (c) => {
    const target = await externalKey(c);
    const algorithm = c.input.string('WrappingAlgorithm', { required: true, oneOf: [...Object.keys(WRAPPING_ALGORITHMS), 'RSAES_PKCS1_V1_5', 'SM2PKE'] });
    if (!WRAPPING_ALGORITHMS[algorithm]) throw new AwsError('UnsupportedOperationException', `WrappingAlgorithm ${algorithm} is not supported`);
    const spec = c.input.string('WrappingKeySpec', { required: true, oneOf: [...Object.keys(WRAPPING_SPECS), 'SM2'] });
    if (!WRAPPING_SPECS[spec]) throw new AwsError('UnsupportedOperationException', `WrappingKeySpec ${spec} is not supported`);
    if (target.state !== 'pending_import') throw new AwsError('KMSInvalidStateException', `The key is ${target.state.replace('_', ' ')}: its material is imported already.`);
    const expiresAt = Date.now() + TOKEN_TTL_MS;
    const wrapping = await c.keys.create(c.caller, {
      spec: WRAPPING_SPECS[spec],
      usages: ['decrypt'],
      label: 'AWS import wrapping key',
      expiresAt,
      attributes: { [INTERNAL_KEY_ATTRIBUTE]: 'aws-import-wrapping', wrapsKey: target.id },
    });
    try {
      await c.keys.updateAttributes(c.caller, target.id, { awsByok: { wrappingKeyId: wrapping.id } });
    } catch (err) {
      await destroyQuietly(c, wrapping.id);
      throw err;
    }
    await destroyQuietly(c, byokOf(target)?.wrappingKeyId);
    const token = mintToken(c, { k: target.id, w: wrapping.id, a: algorithm, t: c.caller.tenantId, e: expiresAt });
    return {
      KeyId: keyArn(c.caller.region, c.caller.account, target.id),
      ImportToken: token.toString('base64'),
      PublicKey: wrapping.publicKey!.toString('base64'),
      ParametersValidTo: seconds(expiresAt),
    };
  },
  ImportKeyMaterial: async (c) => {
    const target = await externalKey(c);
    // Every member is read (and its shape checked) before the token is, as AWS validates members first.
    const token = c.input.blob('ImportToken', { required: true, min: 1, max: 6144 });
    const wrapped = c.input.blob('EncryptedKeyMaterial', { required: true, min: 1, max: 6144 });
    const model = c.input.string('ExpirationModel', { oneOf: ['KEY_MATERIAL_EXPIRES', 'KEY_MATERIAL_DOES_NOT_EXPIRE'] }) ?? 'KEY_MATERIAL_DOES_NOT_EXPIRE';
    const validTo = c.input.has('ValidTo') ? validToOf(c) : null;
    if ((model === 'KEY_MATERIAL_EXPIRES') !== (validTo !== null)) throw validation('ValidTo is required when, and only when, ExpirationModel is KEY_MATERIAL_EXPIRES');
    const t = readToken(c, token);
    const wrappingKeyId = byokOf(target)?.wrappingKeyId;
    if (t.k !== target.id || t.t !== c.caller.tenantId || !wrappingKeyId || t.w !== wrappingKeyId)
      throw new AwsError('InvalidImportTokenException', 'The import token is not valid for this key.');
    if (!(Date.now() < t.e)) throw new AwsError('ExpiredImportTokenException', 'The import token has expired: call GetParametersForImport again.');
    if (target.state !== 'pending_import') throw new AwsError('KMSInvalidStateException', `The key is ${target.state.replace('_', ' ')}.`);
    const alg = WRAPPING_ALGORITHMS[t.a];
    const material = await unwrapMaterial(c, wrappingKeyId, alg, wrapped);
    try {
      if (material.length !== MATERIAL_BYTES) throw new AwsError('IncorrectKeyMaterialException', `SYMMETRIC_DEFAULT key material is ${MATERIAL_BYTES} bytes.`);
      const fingerprint = createHmac('sha256', c.derived.materialFingerprint).update(target.id).update(material).digest('base64');
      const before = fingerprintOf(target);
      if (before !== null && before !== fingerprint)
        throw new AwsError('IncorrectKeyMaterialException', 'The key material is not the material this key had before: a KMS key takes one material only.');
      await c.keys.importMaterial(c.caller, target.id, { kind: 'secret', bytes: material }, { expiresAt: validTo });
      await c.keys.updateAttributes(c.caller, target.id, { awsByok: null, awsMaterialFingerprint: fingerprint });
    } finally {
      material.fill(0);
    }
    // The pair has served: nothing can unwrap a second copy of the material.
    await destroyQuietly(c, wrappingKeyId);
    return { KeyId: keyArn(c.caller.region, c.caller.account, target.id) };
  },
  DeleteImportedKeyMaterial: async (c) => {
    const target = await externalKey(c);
    await c.keys.lifecycle.deleteImportedMaterial(c.caller, target.id);
    return { KeyId: keyArn(c.caller.region, c.caller.account, target.id) };
  },
};

function validToOf(c: AwsCall): number {
  const at = c.input.timestamp('ValidTo');
  if (at === undefined || at <= Date.now()) throw validation('ValidTo must be a time in the future');
  return at;
}

async function unwrapMaterial(c: AwsCall, wrappingKeyId: string, alg: { oaep: AsymParams; aesKeyWrap: boolean }, wrapped: Buffer): Promise<Buffer> {
  // The RSA part of an RSA_AES_KEY_WRAP payload is as long as the wrapping key's modulus.
  const rsaBytes = specInfo((await lookup(c, wrappingKeyId)).spec).bits / 8;
  const head = alg.aesKeyWrap ? wrapped.subarray(0, rsaBytes) : wrapped;
  let opened: Buffer;
  try {
    opened = await c.keys.asymDecrypt(c.caller, wrappingKeyId, alg.oaep, head);
  } catch (err) {
    if (err instanceof KmsError && err.code !== 'INTERNAL')
      throw Object.assign(new AwsError('InvalidCiphertextException', 'The key material could not be unwrapped with the import parameters.'), { audited: true });
    throw err;
  }
  if (!alg.aesKeyWrap) return opened;
  try {
    return unwrapKwp(opened, wrapped.subarray(rsaBytes));
  } finally {
    opened.fill(0);
  }
}
