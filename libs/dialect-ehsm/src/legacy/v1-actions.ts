import { type KeyOperations, type SignParams, specInfo } from '@kms/core';
import type { EhsmCaller } from '../signed-request-guard';
import type { UsableKey } from '../actions/context';
import { seal, unseal } from '../actions/symmetric';
import { EhsmFailure, MSG, type EhsmReply, ok } from '../envelope';
import { type EhsmKind, asymScheme, signScheme } from '../keyspecs';
import { type V1Keyspec, createV1, openV1 } from './v1-blob';
import { MAX_DATA, v1Field } from './v1-rules';

/** One authenticated v1 request: the caller and its checked payload. */
export interface V1Call {
  action: string;
  payload: Record<string, unknown>;
  keys: KeyOperations;
  op: EhsmCaller;
}

export type V1Handler = (c: V1Call) => Promise<EhsmReply>;

/** v1's digests are strings of at most 256 characters (ehsm_napi.cpp@1b35bd1). */
const MAX_DIGEST = 256;
const GCM_TAIL = 12 + 16;
const SM4_TAIL = 16;

const bad = (message: string) => new EhsmFailure(400, message);
const serverException = () => new EhsmFailure(500, MSG.serverException);
const b64 = (b: Buffer) => b.toString('base64');
/** v1 carries plaintext, aad and digest as raw strings, not base64. */
const text = (v: unknown) => (typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.alloc(0));
const field = (c: V1Call, key: string) => v1Field(c.action, c.payload, key) as string;

/** The key of a blob field, which must be of one of `kinds`: otherwise the enclave's 500. */
async function keyOf(c: V1Call, name: string, kinds: readonly EhsmKind[]): Promise<UsableKey> {
  const k = await openV1(c.keys, c.op, c.op.appid, field(c, name));
  if (!kinds.includes(k.spec.kind)) throw serverException();
  return k;
}

/** Signatures as v1 made them for RSA-3072, extended by kind: SHA-256 (SM3 for SM2) of the raw digest string. */
function signParams(k: UsableKey): SignParams {
  const scheme = signScheme(k.spec.kind, 'EH_RSA_PKCS1')!;
  return scheme === 'SM2' ? { scheme, hash: 'SM3', prehashed: false } : { scheme, hash: 'SHA-256', prehashed: false, encoding: 'der' };
}

/** RSA: OAEP with SHA-256 (v1's only padding); SM2: SM2 encryption. */
const encryption = (k: UsableKey) => asymScheme(k.spec.kind, 'EH_RSA_PKCS1_OAEP')!;

/** The largest plaintext a key encrypts: k - 2·32 - 2 bytes for RSA-OAEP-SHA256, v1's 6 KiB for SM2. */
const maxAsymPlaintext = (k: UsableKey) => (k.spec.kind === 'rsa' ? specInfo(k.spec.spec!).bits / 8 - 66 : MAX_DATA);

/** The digest string, after v1's length check. */
function digestOf(c: V1Call): Buffer {
  const digest = text(c.payload.digest);
  if (digest.length > MAX_DIGEST) throw bad("The digest's length is invalid.");
  return digest;
}

/** A symmetric blob's ciphertext (`ct‖iv‖tag` for AES-GCM, `ct‖iv` for SM4), length-checked as v1 did. */
function ciphertextOf(k: UsableKey, value: string): Buffer {
  const blob = Buffer.from(value, 'base64');
  if (blob.length < (k.spec.cipher === 'AES-GCM' ? GCM_TAIL : SM4_TAIL)) throw bad("The ciphertext's length is invalid.");
  return blob;
}

const SYM = ['sym'] as const;
const ASYM_ENCRYPT = ['rsa', 'sm2'] as const;
const SIGNING = ['rsa', 'ec', 'sm2'] as const;

/**
 * v1's actions over keys the core seals into blobs (v1-blob.ts). Each one checks what v1 checked
 * before it touches a key, then runs core operations only, which audit themselves; SM4 ignores
 * aad, as SM4 does in the keyid API.
 */
export const V1_ACTIONS: Record<string, V1Handler> = {
  async CreateKey(c) {
    // v1 made keys inside the enclave only: an EXTERNAL_KEY could never be filled.
    if (c.payload.origin !== 'EH_INTERNAL_KEY') throw serverException();
    return ok({ cmk_base64: await createV1(c.keys, c.op, c.op.appid, field(c, 'keyspec') as V1Keyspec) });
  },
  async Encrypt(c) {
    const k = await keyOf(c, 'cmk_base64', SYM);
    const plaintext = text(c.payload.plaintext);
    if (plaintext.length > MAX_DATA) throw bad("The plaintext's length is invalid.");
    return ok({ ciphertext_base64: b64(await seal(c, k, plaintext, text(c.payload.aad))) });
  },
  async Decrypt(c) {
    const k = await keyOf(c, 'cmk_base64', SYM);
    const plaintext = await unseal(c, k, ciphertextOf(k, field(c, 'ciphertext_base64')), text(c.payload.aad));
    try {
      return ok({ plaintext_base64: b64(plaintext) });
    } finally {
      plaintext.fill(0);
    }
  },
  GenerateDataKey: generateDataKey(true),
  GenerateDataKeyWithoutPlaintext: generateDataKey(false),
  async Sign(c) {
    const k = await keyOf(c, 'cmk_base64', SIGNING);
    const digest = digestOf(c);
    return ok({ signature_base64: b64(await c.keys.sign(c.op, k.ref, signParams(k), digest)) });
  },
  async Verify(c) {
    const k = await keyOf(c, 'cmk_base64', SIGNING);
    const digest = digestOf(c);
    const signature = Buffer.from(field(c, 'signature_base64'), 'base64');
    // An RSA signature is exactly the modulus size; ECDSA and SM2 signatures are DER, of varying size.
    if (k.spec.kind === 'rsa' && signature.length !== specInfo(k.spec.spec!).bits / 8) throw bad("The signature's length is invalid.");
    return ok({ result: await c.keys.verify(c.op, k.ref, signParams(k), digest, signature) });
  },
  async AsymmetricEncrypt(c) {
    const k = await keyOf(c, 'cmk_base64', ASYM_ENCRYPT);
    const plaintext = text(c.payload.plaintext);
    if (plaintext.length > maxAsymPlaintext(k)) throw bad("The plaintext's length is invalid.");
    return ok({ ciphertext_base64: b64(await c.keys.asymEncrypt(c.op, k.ref, encryption(k), plaintext)) });
  },
  async AsymmetricDecrypt(c) {
    const k = await keyOf(c, 'cmk_base64', ASYM_ENCRYPT);
    const plaintext = await c.keys.asymDecrypt(c.op, k.ref, encryption(k), Buffer.from(field(c, 'ciphertext_base64'), 'base64'));
    try {
      return ok({ plaintext_base64: b64(plaintext) });
    } finally {
      plaintext.fill(0);
    }
  },
  /** Opens a data key under the symmetric cmk and re-encrypts it to the RSA or SM2 `ukey_base64`. */
  async ExportDataKey(c) {
    const k = await keyOf(c, 'cmk_base64', SYM);
    const u = await keyOf(c, 'ukey_base64', ASYM_ENCRYPT);
    const dataKey = await unseal(c, k, ciphertextOf(k, field(c, 'olddatakey_base64')), text(c.payload.aad));
    try {
      return ok({ newdatakey_base64: b64(await c.keys.asymEncrypt(c.op, u.ref, encryption(u), dataKey)) });
    } finally {
      dataKey.fill(0);
    }
  },
};

function generateDataKey(withPlaintext: boolean): V1Handler {
  return async (c) => {
    const k = await keyOf(c, 'cmk_base64', SYM);
    const alg = k.spec.cipher!;
    const length = c.payload.keylen as number;
    const { dataKey, sealed } = await c.keys.generateDataKey(c.op, k.ref, { alg, length, ...(alg === 'AES-GCM' ? { aad: text(c.payload.aad) } : {}) });
    try {
      const ciphertext_base64 = b64(Buffer.concat([sealed.ciphertext, sealed.iv, sealed.tag]));
      return ok(withPlaintext ? { plaintext_base64: b64(dataKey), ciphertext_base64 } : { ciphertext_base64 });
    } finally {
      dataKey.fill(0);
    }
  };
}
