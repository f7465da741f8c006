import { createPrivateKey, createPublicKey, diffieHellman, pbkdf2Sync, type KeyObject } from 'node:crypto';

/** Raw 32-byte X25519 keys through node:crypto, by their fixed PKCS#8 / SPKI prefixes (RFC 8410). */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

export const x25519Private = (scalar: Buffer): KeyObject => createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, scalar]), format: 'der', type: 'pkcs8' });
export const x25519Public = (u: Buffer): KeyObject => createPublicKey({ key: Buffer.concat([SPKI_PREFIX, u]), format: 'der', type: 'spki' });
export const rawPublicOf = (priv: KeyObject): Buffer => createPublicKey(priv).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
export const x25519 = (priv: KeyObject, peerU: Buffer): Buffer => diffieHellman({ privateKey: priv, publicKey: x25519Public(peerU) });

/** PBKDF2 rounds every official client uses (notes §2.2). */
export const PBKDF2_ROUNDS = 600000;

/**
 * The user's X25519 public key as every official client derives it (notes §2.2): the seed is
 * PBKDF2-HMAC-SHA256 over the passphrase with the `eid` *string* (not its decoded bytes) as salt,
 * used directly as the private scalar. Returned as standard base64, the eJWT's `iss`.
 */
export function userPublicKey(passphrase: string, eid: string): string {
  const seed = pbkdf2Sync(Buffer.from(passphrase, 'utf8'), Buffer.from(eid, 'ascii'), PBKDF2_ROUNDS, 32, 'sha256');
  return rawPublicOf(x25519Private(seed)).toString('base64');
}

/** A base64 X25519 public key as a client may send it: exactly 32 bytes, standard form. */
export function parseX25519Public(b64: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]{43}=$/.test(b64)) return null;
  return Buffer.from(b64, 'base64');
}
