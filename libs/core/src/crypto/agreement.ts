import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { HASHES, type CipherAlg, type DecryptParams, type EncryptParams, type EncryptResult, type HashAlg, type WrapAlg } from '../algorithms';
import { KmsError, cryptoFailure, unsupported } from '../errors';
import { aesCbcDecrypt, aesCbcEncrypt, aesEcb, aesGcmDecrypt, aesGcmEncrypt, aesKeyUnwrap, aesKeyWrap } from './aead';
import { randomIv } from './random-pool';

/**
 * Key agreement: what an ECDH secret becomes (a KDF) and the one thing the resulting transient
 * key is used for. Pure functions on raw bytes; KeyOperations.agree runs them on the secret of a
 * stored key, so the secret and the agreed key never leave the core.
 */
export type AgreementKdf =
  /** The shared secret itself. */
  | { kind: 'raw' }
  /** Hash(secret): Encedo's `ecdh` with `alg`, and the HMAC key of its ECDH mode. */
  | { kind: 'digest'; hash: HashAlg }
  /** HKDF (RFC 5869), empty salt unless given; never longer than the secret (no stretching past its entropy). */
  | { kind: 'hkdf'; hash: HashAlg; info: Buffer; length: number; salt?: Buffer };

const KDFS: { [K in AgreementKdf['kind']]: (secret: Buffer, kdf: Extract<AgreementKdf, { kind: K }>) => Buffer } = {
  raw: (secret) => Buffer.from(secret),
  digest: (secret, kdf) => createHash(HASHES[kdf.hash].node).update(secret).digest(),
  hkdf: (secret, kdf) => {
    if (secret.length < kdf.length) throw unsupported(`the shared secret is shorter than the ${kdf.length}-byte key asked for`);
    return Buffer.from(hkdfSync(HASHES[kdf.hash].node, secret, kdf.salt ?? Buffer.alloc(0), kdf.info, kdf.length));
  },
};

export function applyKdf(secret: Buffer, kdf: AgreementKdf): Buffer {
  return (KDFS[kdf.kind] as (s: Buffer, k: AgreementKdf) => Buffer)(secret, kdf);
}

/** The one use of an agreed key. */
export type AgreedUse =
  | { op: 'secret' }
  | { op: 'mac'; hash: HashAlg; data: Buffer }
  | { op: 'mac-verify'; hash: HashAlg; data: Buffer; mac: Buffer }
  | { op: 'encrypt'; params: EncryptParams }
  | { op: 'decrypt'; params: DecryptParams }
  | { op: 'wrap'; alg: WrapAlg; data: Buffer }
  | { op: 'unwrap'; alg: WrapAlg; data: Buffer };

export interface AgreedResults {
  secret: Buffer;
  mac: Buffer;
  'mac-verify': boolean;
  encrypt: EncryptResult;
  decrypt: Buffer;
  wrap: Buffer;
  unwrap: Buffer;
}

const EMPTY = Buffer.alloc(0);

/** AES modes on a raw (transient) key; the others of CipherAlg need a stored key's backend. */
const RAW_AES: Partial<Record<CipherAlg, { ivBytes: number; encrypt(key: Buffer, iv: Buffer, p: EncryptParams): EncryptResult; decrypt(key: Buffer, p: DecryptParams): Buffer }>> =
  {
    'AES-GCM': {
      ivBytes: 12,
      encrypt: (key, iv, p) => ({ iv, ...aesGcmEncrypt(key, iv, p.plaintext, p.aad) }),
      decrypt: (key, p) => aesGcmDecrypt(key, p.iv, p.ciphertext, p.tag, p.aad),
    },
    'AES-CBC': {
      ivBytes: 16,
      encrypt: (key, iv, p) => ({ iv, ciphertext: aesCbcEncrypt(key, iv, p.plaintext), tag: EMPTY }),
      decrypt: (key, p) => aesCbcDecrypt(key, p.iv, p.ciphertext),
    },
    'AES-ECB': {
      ivBytes: 0,
      encrypt: (key, _iv, p) => ({ iv: EMPTY, ciphertext: aesEcb(key, p.plaintext, 'encrypt'), tag: EMPTY }),
      decrypt: (key, p) => aesEcb(key, p.ciphertext, 'decrypt'),
    },
  };

function rawAes(alg: CipherAlg) {
  const mode = RAW_AES[alg];
  if (!mode) throw unsupported(`${alg} is not available with an agreed key`);
  return mode;
}

/** Node's own refusal of a wrap input (a length it does not take) is the operation's failure, not a fault. */
function failsAs<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof KmsError) throw err;
    throw cryptoFailure(`${what} failed`);
  }
}

const hmac = (key: Buffer, hash: HashAlg, data: Buffer) => createHmac(HASHES[hash].node, key).update(data).digest();

const USES: { [O in AgreedUse['op']]: (key: Buffer, use: Extract<AgreedUse, { op: O }>) => AgreedResults[O] } = {
  // A copy: the caller zeroes the agreed key once the use is over.
  secret: (key) => Buffer.from(key),
  mac: (key, u) => hmac(key, u.hash, u.data),
  'mac-verify': (key, u) => {
    const expected = hmac(key, u.hash, u.data);
    return expected.length === u.mac.length && timingSafeEqual(expected, u.mac);
  },
  encrypt: (key, u) => {
    const mode = rawAes(u.params.alg);
    return mode.encrypt(key, u.params.iv ?? (mode.ivBytes ? randomIv(mode.ivBytes) : EMPTY), u.params);
  },
  decrypt: (key, u) => rawAes(u.params.alg).decrypt(key, u.params),
  wrap: (key, u) => failsAs('wrap', () => aesKeyWrap(key, u.data, u.alg === 'AES-KWP')),
  unwrap: (key, u) => aesKeyUnwrap(key, u.data, u.alg === 'AES-KWP'),
};

export function useAgreedKey<U extends AgreedUse>(key: Buffer, use: U): AgreedResults[U['op']] {
  return (USES[use.op] as (k: Buffer, u: AgreedUse) => AgreedResults[U['op']])(key, use);
}
