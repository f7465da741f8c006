import { createHmac, timingSafeEqual } from 'node:crypto';
import { INTERNAL_KEY_ATTRIBUTE, KmsError, type AsymParams, type KeyRecord } from '@kms/core';
import { fieldValue } from '../checker';
import { EhsmFailure, badRequest, ok, serverException } from '../envelope';
import { KEYSPECS, PADDINGS, ehsmAttributes } from '../keyspecs';
import { publicKeyPem } from '../pem';
import { type ActionContext, type ActionHandler, b64, destroyUnlessGone, lookupKey, useKey } from './context';
import { unseal } from './symmetric';
import { encryptionScheme } from './asymmetric';

// ---- ExportDataKey (notes §5.5) ------------------------------------------------------------

const ARGUMENTS_BAD = 'Failed, Please confirm that your parameters are correct.';

/**
 * Opens a GenerateDataKey* ciphertext with `keyid` (+ aad) and hands the data key to the holder
 * of `ukeyid`: RSA-OAEP with SHA-256 (padding is not selectable upstream) or SM2 encryption. A
 * ukey made with a PKCS#1 v1.5 padding mode (2023 API) gets that padding instead, so that its
 * AsymmetricDecrypt without padding_mode opens what this returns.
 */
const exportDataKey: ActionHandler = async (c) => {
  const k = await useKey(c, c.payload.keyid);
  if (k.spec.kind !== 'sym') throw serverException();
  const u = await useKey(c, c.payload.ukeyid);
  if (u.spec.kind !== 'rsa' && u.spec.kind !== 'sm2') throw badRequest('key invalid.');
  const scheme = encryptionScheme(u, undefined);
  // Accepted as `olddatakey_base` (the code), `olddatakey` (the docs) or `old_data_key` (Python SDK).
  const old = fieldValue(c.action, c.payload, 'olddatakey_base') as string;
  let dataKey: Buffer;
  try {
    dataKey = await unseal(c, k, Buffer.from(old, 'base64'), b64(c.payload.aad));
  } catch (err) {
    if (err instanceof EhsmFailure) throw badRequest(ARGUMENTS_BAD);
    // The core wrote this refusal's row already.
    if (err instanceof KmsError && err.code === 'CRYPTO_FAILURE') throw new EhsmFailure(400, ARGUMENTS_BAD, true);
    throw err;
  }
  try {
    const wrapped = await c.keys.asymEncrypt(c.op, u.ref, scheme, dataKey);
    return ok({ newdatakey: wrapped.toString('base64') });
  } finally {
    dataKey.fill(0);
  }
};

// ---- BYOK (notes §5.6) ---------------------------------------------------------------------

/** How long an import token and its wrapping key live (upstream: 24 h). */
export const IMPORT_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;
const TOKEN_EXPIRED = 'Token validity time is 24 hours. Try to send "GetParametersForImport" request again.';
const TOKEN_FAILED = 'ImportToken failed.';
const IMPORT_FAILED = 'Import key failed.';
const KEY_BYTES: Record<string, number> = { 'aes-128': 16, 'aes-192': 24, 'aes-256': 32, 'sm4-128': 16 };

interface ImportToken {
  /** target key id */
  k: string;
  /** wrapping key id */
  w: string;
  /** tenant id */
  t: string;
  /** expiry, ms */
  e: number;
}

const fail500 = (message: string) => new EhsmFailure(500, message);

/**
 * `base64(base64url(json) "." base64url(HMAC-SHA256))`: opaque to clients, authenticated for us.
 * The outer standard base64 is for the vendor's Rust SDK, which refuses to send an importToken that
 * is not standard base64 (upstream's token is `base64(JSON)`).
 */
function mintToken(c: ActionContext, t: ImportToken): string {
  const body = Buffer.from(JSON.stringify(t), 'utf8').toString('base64url');
  return Buffer.from(`${body}.${tokenMac(c, body).toString('base64url')}`, 'utf8').toString('base64');
}

const tokenMac = (c: ActionContext, body: string) => createHmac('sha256', c.importTokenKey).update(`ehsm-import-token/v1:${body}`, 'utf8').digest();

function readToken(c: ActionContext, token: string): ImportToken {
  // A token with a '.' is the unwrapped form earlier builds handed out (still valid for 24 h).
  const inner = token.includes('.') ? token : Buffer.from(token, 'base64').toString('utf8');
  const [body, mac, extra] = inner.split('.');
  if (!body || !mac || extra !== undefined) throw fail500(TOKEN_FAILED);
  const given = Buffer.from(mac, 'base64url');
  const expected = tokenMac(c, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw fail500(TOKEN_FAILED);
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as ImportToken;
  } catch {
    throw fail500(TOKEN_FAILED);
  }
}

/** The caller's EXTERNAL key still waiting for its material; anything else is the enclave's 500. */
async function pendingExternalKey(c: ActionContext): Promise<KeyRecord> {
  const record = await lookupKey(c, c.payload.keyid);
  const a = ehsmAttributes(record);
  if (record.state !== 'pending_import' || a?.origin !== 'EH_EXTERNAL_KEY') throw serverException();
  return record;
}

const wrappingKeyOf = (record: KeyRecord): string | null => {
  const id = (record.attributes?.byok as { wrappingKeyId?: unknown } | null | undefined)?.wrappingKeyId;
  return typeof id === 'string' ? id : null;
};

/**
 * A fresh RSA wrapping pair made in the core (usage: decrypt only), private to this target key:
 * tied to it by attributes both ways, expiring with the token, destroyed by the import. A newer
 * GetParametersForImport replaces (and destroys) the previous pair, so only the latest token works.
 */
const getParametersForImport: ActionHandler = async (c) => {
  const target = await pendingExternalKey(c);
  const wrapSpec = KEYSPECS.get(c.payload.keyspec as string);
  if (!wrapSpec || wrapSpec.kind !== 'rsa' || !wrapSpec.spec) throw serverException();
  const expiresAt = Date.now() + IMPORT_TOKEN_TTL_MS;
  const wrapping = await c.keys.create(c.op, {
    spec: wrapSpec.spec,
    usages: ['decrypt'],
    label: 'eHSM BYOK wrapping key',
    expiresAt,
    attributes: { [INTERNAL_KEY_ATTRIBUTE]: 'byok-wrapping', wrapsKey: target.id },
  });
  const previous = wrappingKeyOf(target);
  try {
    await c.keys.updateAttributes(c.op, target.id, { byok: { wrappingKeyId: wrapping.id, expiresAt } });
  } catch (err) {
    await destroyUnlessGone(c, wrapping.id);
    throw err;
  }
  await destroyUnlessGone(c, previous);
  const importToken = mintToken(c, { k: target.id, w: wrapping.id, t: c.op.tenantId, e: expiresAt });
  return ok({ pubkey: publicKeyPem('rsa', wrapping.publicKey!), importToken });
};

const importKeyMaterial: ActionHandler = async (c) => {
  const target = await pendingExternalKey(c);
  const token = c.payload.importToken;
  if (typeof token !== 'string' || token === '') throw fail500('ImportKeyMaterial failed.');
  const t = readToken(c, token);
  const wrappingKeyId = wrappingKeyOf(target);
  if (t.k !== target.id || t.t !== c.op.tenantId || !wrappingKeyId || t.w !== wrappingKeyId) throw fail500(TOKEN_FAILED);
  if (!(Date.now() < t.e)) throw fail500(TOKEN_EXPIRED);
  const padding = PADDINGS[c.payload.padding_mode as string];
  const scheme: AsymParams | null = padding === 'pkcs1' ? { scheme: 'RSA-PKCS1' } : padding === 'oaep' ? { scheme: 'RSA-OAEP', hash: 'SHA-256' } : null;
  if (!scheme) throw serverException();
  let material: Buffer;
  try {
    material = await c.keys.asymDecrypt(c.op, wrappingKeyId, scheme, b64(c.payload.key_material));
  } catch (err) {
    if (err instanceof KmsError && err.code !== 'INTERNAL') throw fail500(IMPORT_FAILED);
    throw err;
  }
  try {
    if (material.length !== KEY_BYTES[target.spec]) throw fail500(IMPORT_FAILED);
    await c.keys.importMaterial(c.op, target.id, { kind: 'secret', bytes: material });
  } catch (err) {
    if (err instanceof KmsError && err.code !== 'INTERNAL') throw fail500(IMPORT_FAILED);
    throw err;
  } finally {
    material.fill(0);
  }
  // The pair has served: nothing can unwrap a second copy of the material.
  await c.keys.updateAttributes(c.op, target.id, { byok: null });
  await destroyUnlessGone(c, wrappingKeyId);
  return ok({ result: true });
};

export const IMPORT_EXPORT: Record<string, ActionHandler> = {
  ExportDataKey: exportDataKey,
  GetParametersForImport: getParametersForImport,
  ImportKeyMaterial: importKeyMaterial,
};
