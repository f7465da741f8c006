import type { CipherAlg } from '@kms/core';
import { MSG, badRequest, ok, serverException } from '../envelope';
import { type ActionHandler, type OpCall, type UsableKey, b64, useKey } from './context';

const GCM_IV = 12;
const GCM_TAG = 16;
const SM4_IV = 16;

/** The symmetric cipher of a key; any other key is the enclave's 500. */
export function cipherOf(k: UsableKey): CipherAlg {
  if (k.spec.kind !== 'sym' || !k.spec.cipher) throw serverException();
  return k.spec.cipher;
}

/** AES-GCM: ct ‖ iv(12) ‖ tag(16), aad authenticated. SM4: ct ‖ iv(16), aad ignored (notes §5.2). */
export async function seal(c: OpCall, k: UsableKey, plaintext: Buffer, aad: Buffer): Promise<Buffer> {
  const alg = cipherOf(k);
  const r = await c.keys.encrypt(c.op, k.ref, alg === 'AES-GCM' ? { alg, plaintext, aad } : { alg, plaintext });
  return Buffer.concat([r.ciphertext, r.iv, r.tag]);
}

const encrypt: ActionHandler = async (c) => {
  const k = await useKey(c, c.payload.keyid);
  const ciphertext = await seal(c, k, b64(c.payload.plaintext), b64(c.payload.aad));
  return ok({ ciphertext: ciphertext.toString('base64') });
};

/** The inverse of seal; a blob too short to hold its IV (and tag) is the vendor's 400. */
export async function unseal(c: OpCall, k: UsableKey, blob: Buffer, aad: Buffer): Promise<Buffer> {
  const alg = cipherOf(k);
  const tail = alg === 'AES-GCM' ? GCM_IV + GCM_TAG : SM4_IV;
  if (blob.length < tail) throw badRequest(MSG.decryptFailed);
  const ciphertext = blob.subarray(0, blob.length - tail);
  return alg === 'AES-GCM'
    ? c.keys.decrypt(c.op, k.ref, { alg, ciphertext, iv: blob.subarray(-tail, -GCM_TAG), tag: blob.subarray(-GCM_TAG), aad })
    : c.keys.decrypt(c.op, k.ref, { alg, ciphertext, iv: blob.subarray(-tail), tag: Buffer.alloc(0) });
}

const decrypt: ActionHandler = async (c) => {
  const k = await useKey(c, c.payload.keyid);
  const plaintext = await unseal(c, k, b64(c.payload.ciphertext), b64(c.payload.aad));
  try {
    return ok({ plaintext: plaintext.toString('base64') });
  } finally {
    plaintext.fill(0);
  }
};

/** A fresh data key of `keylen` bytes, returned sealed under the CMK (and in clear if asked). */
const generateDataKey =
  (withPlaintext: boolean): ActionHandler =>
  async (c) => {
    const k = await useKey(c, c.payload.keyid);
    const alg = cipherOf(k);
    const aad = b64(c.payload.aad);
    const { dataKey, sealed } = await c.keys.generateDataKey(c.op, k.ref, { alg, length: c.payload.keylen as number, ...(alg === 'AES-GCM' ? { aad } : {}) });
    try {
      const ciphertext = Buffer.concat([sealed.ciphertext, sealed.iv, sealed.tag]).toString('base64');
      return ok(withPlaintext ? { plaintext: dataKey.toString('base64'), ciphertext } : { ciphertext });
    } finally {
      dataKey.fill(0);
    }
  };

export const SYMMETRIC: Record<string, ActionHandler> = {
  Encrypt: encrypt,
  Decrypt: decrypt,
  GenerateDataKey: generateDataKey(true),
  GenerateDataKeyWithoutPlaintext: generateDataKey(false),
};
