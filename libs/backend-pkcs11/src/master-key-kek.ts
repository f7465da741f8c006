import * as pkcs11js from 'pkcs11js';
import { ckr } from './errors';
import { scratchSecretTemplate } from './key-families';
import { offers, type TokenMechanisms } from './mechanisms';
import type { SessionPool } from './session-pool';
import { destroyObjectIgnoringErrors, findObjects, readValue } from './token-objects';

const F = pkcs11js;
type Handle = pkcs11js.Handle;

/** The token, as the master-key KEK needs it. */
export interface KekToken {
  p11: pkcs11js.PKCS11;
  pool: SessionPool;
  mechs: TokenMechanisms;
  /** For messages: `'label'` or `in slot N`. */
  name: string;
}

export interface MasterSecret {
  secret: Buffer;
  wrapped: Buffer;
  created: boolean;
}

/**
 * The software engine's master secret, kept wrapped (AES key wrap, RFC 3394) under an AES-256 key
 * on the token labelled `label`, which is sensitive and never extractable. `wrapped` is the blob
 * stored at a previous start; without it (first start) the token key and a fresh 32-byte secret
 * are generated on the token and the new blob is returned for the caller to store. The secret is
 * unwrapped into a short-lived session object, read into memory and the object destroyed; it is
 * never written anywhere in clear.
 */
export async function masterSecret(token: KekToken, label: string, wrapped: Buffer | null): Promise<MasterSecret> {
  if (!offers(token.mechs, 'AES-KW', 256) || !offers(token.mechs, 'AES-KEYGEN', 256)) {
    throw new Error('the PKCS#11 token offers no AES-256 key wrap (CKM_AES_KEY_WRAP): it cannot hold the master key');
  }
  const { p11 } = token;
  const where = `on the PKCS#11 token ${token.name}`;
  return token.pool.use(async (s) => {
    const keks = findObjects(p11, s, [
      { type: F.CKA_CLASS, value: F.CKO_SECRET_KEY },
      { type: F.CKA_LABEL, value: label },
    ]);
    if (keks.length > 1) throw new Error(`${keks.length} keys are labelled '${label}' ${where}: the master-key KEK must be unique`);
    const kek = keks[0];
    if (wrapped) {
      if (!kek) throw new Error(`no master-key KEK labelled '${label}' ${where}: the wrapped master key cannot be opened`);
      return { secret: await unwrapSecret(p11, s, kek, label, wrapped), wrapped, created: false };
    }
    if (kek) {
      throw new Error(`the master-key KEK '${label}' exists ${where}, but the wrapped master key is missing: restore it from backup (every software key is sealed under it)`);
    }
    return createSecret(p11, s, label);
  });
}

async function unwrapSecret(p11: pkcs11js.PKCS11, s: Handle, kek: Handle, label: string, wrapped: Buffer): Promise<Buffer> {
  let tmp: Handle;
  try {
    tmp = await p11.C_UnwrapKeyAsync(s, { mechanism: F.CKM_AES_KEY_WRAP }, kek, wrapped, scratchSecretTemplate());
  } catch (err) {
    throw new Error(`the token key '${label}' cannot unwrap the stored master key (${ckr(err) ?? (err as Error).message}): wrong token, key or file`, { cause: err });
  }
  try {
    const secret = readValue(p11, s, tmp);
    if (secret.length !== 32) throw new Error('the unwrapped master key is not 32 bytes');
    return secret;
  } finally {
    destroyObjectIgnoringErrors(p11, s, tmp);
  }
}

/** First start: a new KEK on the token (wrap/unwrap only) and a new secret wrapped under it. */
async function createSecret(p11: pkcs11js.PKCS11, s: Handle, label: string): Promise<MasterSecret> {
  const newKek = await p11.C_GenerateKeyAsync(s, { mechanism: F.CKM_AES_KEY_GEN }, [
    { type: F.CKA_CLASS, value: F.CKO_SECRET_KEY },
    { type: F.CKA_KEY_TYPE, value: F.CKK_AES },
    { type: F.CKA_TOKEN, value: true },
    { type: F.CKA_PRIVATE, value: true },
    { type: F.CKA_SENSITIVE, value: true },
    { type: F.CKA_EXTRACTABLE, value: false },
    { type: F.CKA_LABEL, value: label },
    { type: F.CKA_VALUE_LEN, value: 32 },
    { type: F.CKA_WRAP, value: true },
    { type: F.CKA_UNWRAP, value: true },
    { type: F.CKA_ENCRYPT, value: false },
    { type: F.CKA_DECRYPT, value: false },
  ]);
  const tmp = await p11.C_GenerateKeyAsync(s, { mechanism: F.CKM_GENERIC_SECRET_KEY_GEN }, [...scratchSecretTemplate(), { type: F.CKA_VALUE_LEN, value: 32 }]);
  try {
    const blob = Buffer.from(await p11.C_WrapKeyAsync(s, { mechanism: F.CKM_AES_KEY_WRAP }, newKek, tmp, Buffer.alloc(64)));
    return { secret: readValue(p11, s, tmp), wrapped: blob, created: true };
  } catch (err) {
    destroyObjectIgnoringErrors(p11, s, newKek);
    throw err;
  } finally {
    destroyObjectIgnoringErrors(p11, s, tmp);
  }
}
