import type { AsymParams, SignParams } from '@kms/core';
import { ok, serverException } from '../envelope';
import { formOf } from '../checker';
import { DIGESTS, asymScheme, signScheme, storedModes } from '../keyspecs';
import { publicKeyPem } from '../pem';
import { type ActionContext, type ActionHandler, type UsableKey, b64, useKey } from './context';

/**
 * Sign/Verify parameters as the vendor's core derives them (notes §5.3): RSA takes PKCS#1 v1.5 or
 * PSS (salt = digest length) and the requested digest; EC ignores padding; SM2 always uses SM3
 * with the default ID, signs EH_DIGEST input like a message, and its Verify insists on EH_SM3.
 */
function signParams(c: ActionContext, k: UsableKey, forVerify: boolean): SignParams {
  const p = signRequest(c, k);
  const scheme = signScheme(k.spec.kind, p.padding_mode);
  if (!scheme) throw serverException();
  if (scheme === 'SM2') {
    if (forVerify && DIGESTS[p.digest_mode] !== 'SM3') throw serverException();
    return { scheme, hash: 'SM3', prehashed: false };
  }
  const hash = DIGESTS[p.digest_mode];
  return { scheme, hash, prehashed: p.message_type === 'EH_DIGEST', encoding: 'der' };
}

interface SignRequest {
  message: string;
  message_type: string;
  digest_mode: string;
  padding_mode: string;
}

/**
 * The current form names everything; the 2023 document's form sends `digest` (base64 data, which
 * that server hashed with the key's digest mode: it is a message despite its name) and takes
 * padding and digest from the key unless the request names them.
 */
function signRequest(c: ActionContext, k: UsableKey): SignRequest {
  const p = c.payload as Record<string, string | undefined>;
  if (formOf(c.action, c.payload) === c.action) return p as unknown as SignRequest;
  const modes = storedModes(k.record, 'sign', { padding: p.padding_mode, digest: p.digest_mode });
  return { message: p.digest ?? '', message_type: 'EH_RAW', digest_mode: modes.digest, padding_mode: modes.padding };
}

const sign: ActionHandler = async (c) => {
  const k = await useKey(c, c.payload.keyid);
  const signature = await c.keys.sign(c.op, k.ref, signParams(c, k, false), b64(signRequest(c, k).message));
  return ok({ signature: signature.toString('base64') });
};

const verify: ActionHandler = async (c) => {
  const k = await useKey(c, c.payload.keyid);
  const valid = await c.keys.verify(c.op, k.ref, signParams(c, k, true), b64(signRequest(c, k).message), b64(c.payload.signature));
  return ok({ result: valid });
};

/** The request's padding, else the key's (2023 API), else OAEP; SM2 ignores it. */
export function encryptionScheme(k: UsableKey, requested: unknown): AsymParams {
  const scheme = asymScheme(k.spec.kind, storedModes(k.record, 'encrypt', { padding: requested }).padding);
  if (!scheme) throw serverException();
  return scheme;
}

const asymmetricEncrypt: ActionHandler = async (c) => {
  const k = await useKey(c, c.payload.keyid);
  const scheme = encryptionScheme(k, c.payload.padding_mode);
  const ciphertext = await c.keys.asymEncrypt(c.op, k.ref, scheme, b64(c.payload.plaintext));
  return ok({ ciphertext: ciphertext.toString('base64') });
};

const asymmetricDecrypt: ActionHandler = async (c) => {
  const k = await useKey(c, c.payload.keyid);
  const scheme = encryptionScheme(k, c.payload.padding_mode);
  const plaintext = await c.keys.asymDecrypt(c.op, k.ref, scheme, b64(c.payload.ciphertext));
  try {
    return ok({ plaintext: plaintext.toString('base64') });
  } finally {
    plaintext.fill(0);
  }
};

const getPublicKey: ActionHandler = async (c) => {
  const k = await useKey(c, c.payload.keyid);
  if (k.spec.kind === 'sym') throw serverException();
  const { spki } = await c.keys.getPublicKey(c.op, k.record.id);
  return ok({ pubkey: publicKeyPem(k.spec.kind, spki), keyid: k.record.id });
};

export const ASYMMETRIC: Record<string, ActionHandler> = {
  Sign: sign,
  Verify: verify,
  AsymmetricEncrypt: asymmetricEncrypt,
  AsymmetricDecrypt: asymmetricDecrypt,
  GetPublicKey: getPublicKey,
};
