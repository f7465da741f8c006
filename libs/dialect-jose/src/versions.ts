import { atVersion, type KeyAtVersion, type KeyRef } from '@kms/core';
import { badRequest } from './errors';
import type { Found } from './lookup';

/**
 * Key material versions on the JOSE wire. A `kid` names the key; the protected header parameter
 * `kv` (a JSON integer, 1 and up: beyond the vendor) names the version of its material:
 *
 * - **Encrypt and sign** use the key's current version and say which in `kv`, placed after `kid`
 *   (`{"alg","enc","kid","kv"}`, `{"alg","kid","kv"}`), once the key has been rotated. A key that
 *   never was (every imported key: they cannot be) keeps the vendor's headers byte for byte, and a
 *   header without `kv` is what the gateway made before the key's first rotation.
 * - **Decrypt and verify** go straight to the version `kv` names (its key may not have trimmed it,
 *   nor set its minimum decryption version above it: else 400). Without `kv` they try the kept
 *   versions newest first where a wrong version is detected (AES-GCM, CBC-HMAC, RSA-OAEP, AES-KW,
 *   ECDH-ES, signatures), and use the current version otherwise (RSA1_5's implicit rejection).
 *
 * `kv` is a non-critical parameter (never listed in `crit`): RFC 7515 §4 and RFC 7516 §4 have
 * every other JOSE implementation ignore it, and it is integrity-protected like the whole header.
 * It is read only when the header's `kid` names the key: a JWS or JWE made elsewhere and named by
 * the body's `kid` is authenticated data whose members mean what their maker meant.
 */
export const VERSION_PARAM = 'kv';

const isVersion = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;

/** The header's `kv`, or undefined when it has none; anything but a positive integer is a 400. */
export function headerVersion(header: Record<string, unknown>): number | undefined {
  const v = header[VERSION_PARAM];
  if (v === undefined) return undefined;
  if (!isVersion(v)) throw badRequest(`Protected header member \`${VERSION_PARAM}\` must be a positive integer`);
  return v;
}

/** A `kv` query parameter (`GET /v1/crypto/keys/{kid}?kv=N`), or undefined when absent. */
export function queryVersion(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const v = typeof raw === 'string' && /^[1-9][0-9]{0,8}$/.test(raw) ? Number(raw) : NaN;
  if (!isVersion(v)) throw badRequest(`Query parameter \`${VERSION_PARAM}\` must be a positive integer`);
  return v;
}

/**
 * What encrypt and sign run on: the current version of the key, named, so that the header built
 * before the operation (it is the AAD or the signing input) says the version the operation uses.
 */
export function currentVersionOf(key: Found): { ref: KeyAtVersion; member: { kv?: number } } {
  const v = key.record.currentVersion;
  return { ref: atVersion(key.id, v), member: v > 1 ? { [VERSION_PARAM]: v } : {} };
}

/**
 * What decrypt and verify run on: the version the header names, or the bare id (the core's trial).
 * A version the key does not keep, or keeps below its minimum decryption version, is a 400 on
 * every path, checked here before any unwrap whose failures implicit rejection would hide (which
 * versions a key has is no secret to its tenant; the core checks the same again).
 */
export function versionRef(key: Found, version: number | undefined): KeyRef {
  if (version === undefined) return key.id;
  const { versions, minDecryptVersion } = key.record;
  if (version < minDecryptVersion || !versions.some((v) => v.version === version)) throw badRequest(`The key has no version ${version} that may decrypt or verify`);
  return atVersion(key.id, version);
}

/**
 * The version a decrypt or verify request names: the header's `kv` when the header's `kid` names
 * the key (no body `kid`, or the same one), else none.
 */
export function namedVersion(header: Record<string, unknown>, bodyKid: string | null | undefined, headerKid: string | undefined): number | undefined {
  return bodyKid === undefined || bodyKid === null || bodyKid === headerKid ? headerVersion(header) : undefined;
}
