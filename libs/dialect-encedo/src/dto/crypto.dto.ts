import { EXDSA_ALGS, HEM_HASHES } from '../algorithms';
import { LIMITS } from '../wire';
import { type BodyOf, bytes, fieldTable, kid, matching, oneOf, optional, optionalBytes, optionalKid, raw, when } from './field-table';

/**
 * Bodies of the crypto routes (notes §4), as field tables (field-table.ts says why not
 * class-validator here). What depends on the key (its type, ECDH mode and so its `ctx`, the HMAC
 * `alg` an ECDH key requires and a SHA key ignores) is checked by the handler once the key is
 * known: see docs/encedo.md, "Validation".
 */
const USE = { kid };
/** ECDH mode: the peer, `ext_kid` (wins) or `pubkey`. */
const PEER = { ...USE, ext_kid: optionalKid, pubkey: optional(bytes({ max: 4096 })) };
const MSG = bytes({ max: LIMITS.msg, allowEmpty: true });

export const USE_BODY = fieldTable(USE);
export type UseKeyBody = BodyOf<typeof USE_BODY>;
export type PeerBody = { ext_kid?: string; pubkey?: Buffer } & UseKeyBody;

/** `alg` absent: the raw secret. */
export const ECDH_BODY = fieldTable({ ...PEER, alg: optional(oneOf(HEM_HASHES)) });

/** `alg`: required in ECDH mode, ignored by a SHA* key, so read by the handler. */
const HMAC = { ...PEER, msg: MSG, alg: raw(`ECDH mode: required, one of ${Object.keys(HEM_HASHES).join(', ')}; ignored by a SHA key`) };
export const HMAC_BODY = fieldTable(HMAC);
export type HmacBody = BodyOf<typeof HMAC_BODY>;
export const HMAC_VERIFY_BODY = fieldTable({ ...HMAC, mac: bytes({ max: 64 }) });

const EXDSA = { ...USE, alg: oneOf(EXDSA_ALGS), msg: MSG, ctx: optionalBytes({ max: LIMITS.ctx }) };
export const EXDSA_BODY = fieldTable(EXDSA);
export type ExdsaBody = BodyOf<typeof EXDSA_BODY>;
export const EXDSA_VERIFY_BODY = fieldTable({ ...EXDSA, sign: bytes({ max: 1024 }) });

const CIPHER_ALG = /^AES(128|192|256)-(ECB|CBC|GCM)$/;
const modeIs =
  (...modes: string[]) =>
  (body: Record<string, unknown>) =>
    modes.includes(CIPHER_ALG.exec(String(body.alg))?.[2] ?? '');
const CIPHER = {
  ...PEER,
  alg: matching(CIPHER_ALG),
  msg: MSG,
  /** GCM only (other modes ignore it). The spec says ≤ 16 bytes; TESTER sends 32 (notes §10). */
  aad: when(modeIs('GCM'), 'GCM', optionalBytes({ max: LIMITS.msg })),
  /** ECDH mode's HKDF info suffix: read by the handler, only in that mode. */
  ctx: raw(`ECDH mode: base64 of at most ${LIMITS.ctx} bytes, appended to the HKDF info; ignored otherwise`),
};
export const CIPHER_BODY = fieldTable(CIPHER);
export type CipherBody = BodyOf<typeof CIPHER_BODY>;
export const DECRYPT_BODY = fieldTable({
  ...CIPHER,
  iv: when(modeIs('CBC', 'GCM'), 'CBC and GCM', bytes({ min: 16, max: 16 })),
  tag: when(modeIs('GCM'), 'GCM', bytes({ min: 16, max: 16 })),
});

/** RFC 3394 with the default IV (another is 406, by the handler); `alg` defaults to AES256; `msg` is required (S). */
export const WRAP_BODY = fieldTable({
  ...PEER,
  alg: optional(oneOf({ AES128: 1, AES192: 1, AES256: 1 })),
  msg: bytes({ max: LIMITS.msg, multipleOf: 8 }),
  iv: optionalBytes({ min: 8, max: 8 }),
  ctx: raw(`ECDH mode: base64 of at most ${LIMITS.ctx} bytes, appended to the HKDF info; ignored otherwise`),
});
export type WrapBody = BodyOf<typeof WRAP_BODY>;

export const DECAPS_BODY = fieldTable({ ...USE, ct: bytes({ max: 1568 }) });

const MLDSA = { ...USE, msg: MSG, ctx: optionalBytes({ max: LIMITS.ctx }) };
export const MLDSA_BODY = fieldTable(MLDSA);
export type MldsaBody = BodyOf<typeof MLDSA_BODY>;
export const MLDSA_VERIFY_BODY = fieldTable({ ...MLDSA, sign: bytes({ max: 8192 }) });
