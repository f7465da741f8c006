import { createHmac, pbkdf2 } from 'node:crypto';
import { promisify } from 'node:util';
import { HASHES, MAC_HASHES, type HashAlg } from '../algorithms';
import { invalidArgument, unsupported } from '../errors';

/**
 * A derivation of new key bytes from a stored secret (KMIP Derive Key's PBKDF2 and HMAC methods).
 * The stored secret is the PBKDF2 password or the HMAC key; it never leaves its backend, which
 * runs the KDF and hands back only the derived bytes.
 */
export type SecretKdf =
  /** PKCS #5 v2 / RFC 8018 PBKDF2 with HMAC-`hash`, the stored secret as the password. */
  | { kind: 'pbkdf2'; hash: HashAlg; salt: Buffer; iterations: number }
  /**
   * HMAC-`hash` keyed by the stored secret over `data`, truncated to the length asked. A length
   * past one HMAC output is refused, not extended: KMIP's Derive Key "SHALL return an error" when
   * the length asked exceeds the derivation method's output.
   */
  | { kind: 'hmac'; hash: HashAlg; data: Buffer };

/** Bounds that keep one request from holding a core for long: PBKDF2 runs on the thread pool, but each iteration costs. */
export const SECRET_KDF_LIMITS = { maxIterations: 1_000_000, maxSaltBytes: 1024, maxDataBytes: 65536 } as const;

/** KDF hashes: HMAC's, less SM3 (not every OpenSSL build has it for PBKDF2). */
const KDF_HASHES: readonly HashAlg[] = MAC_HASHES.filter((h) => h !== 'SM3');

/** Refuses a KDF the backend would not run for `length` bytes, before any key is loaded. */
export function checkSecretKdf(kdf: SecretKdf, length: number): void {
  if (!KDF_HASHES.includes(kdf.hash)) throw unsupported(`${String(kdf.kind).toUpperCase()} with ${String(kdf.hash)} is not supported`);
  switch (kdf.kind) {
    case 'pbkdf2':
      if (!Number.isInteger(kdf.iterations) || kdf.iterations < 1 || kdf.iterations > SECRET_KDF_LIMITS.maxIterations)
        throw invalidArgument(`the iteration count must be 1..${SECRET_KDF_LIMITS.maxIterations}`, 'iterations');
      if (!Buffer.isBuffer(kdf.salt) || kdf.salt.length === 0 || kdf.salt.length > SECRET_KDF_LIMITS.maxSaltBytes)
        throw invalidArgument(`the salt must be 1..${SECRET_KDF_LIMITS.maxSaltBytes} bytes`, 'salt');
      return;
    case 'hmac':
      if (!Buffer.isBuffer(kdf.data) || kdf.data.length === 0 || kdf.data.length > SECRET_KDF_LIMITS.maxDataBytes)
        throw invalidArgument(`the derivation data must be 1..${SECRET_KDF_LIMITS.maxDataBytes} bytes`, 'data');
      if (length > HASHES[kdf.hash].size) throw invalidArgument(`HMAC-${kdf.hash} gives ${HASHES[kdf.hash].size} bytes, fewer than the ${length} asked`, 'length');
      return;
    default:
      throw unsupported(`key derivation '${String((kdf as { kind: unknown }).kind)}' is not supported`);
  }
}

const pbkdf2Async = promisify(pbkdf2);

/** Runs a checked KDF over a secret a backend holds in the clear (the soft backend). */
export async function runSecretKdf(secret: Buffer, kdf: SecretKdf, length: number): Promise<Buffer> {
  const node = HASHES[kdf.hash].node;
  if (kdf.kind === 'pbkdf2') return pbkdf2Async(secret, kdf.salt, kdf.iterations, length, node);
  const mac = createHmac(node, secret).update(kdf.data).digest();
  const out = Buffer.from(mac.subarray(0, length));
  mac.fill(0);
  return out;
}
