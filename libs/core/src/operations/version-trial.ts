import type { AsymScheme, CipherAlg } from '../algorithms';
import { KmsError } from '../errors';

/**
 * Trial over a key's versions, for wire formats that do not say which version made a ciphertext
 * or signature (eHSM `ct‖iv‖tag`, JOSE `dir` with a bare `kid`, Encedo's cipher output). It is
 * safe only where a wrong version is detected rather than answered with garbage:
 * - AEAD modes (AES-GCM, ChaCha20-Poly1305, AES-CBC-HMAC-SHA2): a wrong key fails the tag
 *   (2^-128 / 2^-N chance), under a version's per-context subkey as under the key itself;
 * - RSA-OAEP and SM2 decryption: OAEP's label hash and SM2's C3 reject a wrong key;
 * - AES-KW / AES-KWP unwrap: the 64-bit integrity value rejects a wrong key;
 * - signatures and MACs: a valid signature under an older version is this key's signature;
 * - ECDH-ES receive with the caller's check: the content it opens under the derived key is AEAD.
 * Never for unauthenticated modes (AES-CBC, AES-ECB, SM4-CBC/CTR), nor RSA PKCS#1 v1.5 decryption
 * (OpenSSL's implicit rejection answers random bytes for a wrong key) or ML-KEM decapsulation
 * (implicit rejection too): those use the version named, or the current one.
 */
export interface Trial<T> {
  /** A result that ends the trial (a verification that holds); others are kept for the end. */
  accepts(value: T): boolean;
  /** A failure that means "not this version": try the next one. */
  retries(err: unknown): boolean;
}

/** The most versions one request tries (newest first); a key keeps any number. */
export const TRIAL_LIMIT = 16;

const wrongVersion = (err: unknown) => err instanceof KmsError && err.code === 'CRYPTO_FAILURE';
const opens: Trial<Buffer> = { accepts: () => true, retries: wrongVersion };
const verifies: Trial<boolean> = { accepts: (ok) => ok, retries: wrongVersion };

const AUTHENTICATED_CIPHERS: ReadonlySet<CipherAlg> = new Set(['AES-GCM', 'CHACHA20-POLY1305', 'AES-CBC-HMAC-SHA2']);
const CHECKED_ASYM: ReadonlySet<AsymScheme> = new Set(['RSA-OAEP', 'SM2']);

export const trialFor = {
  /** What a caller's check opens under each version (ECDH-ES content): the check authenticates. */
  opened: { accepts: () => true, retries: wrongVersion } satisfies Trial<unknown>,
  decrypt: (alg: CipherAlg): Trial<Buffer> | undefined => (AUTHENTICATED_CIPHERS.has(alg) ? opens : undefined),
  asymDecrypt: (scheme: AsymScheme): Trial<Buffer> | undefined => (CHECKED_ASYM.has(scheme) ? opens : undefined),
  unwrap: opens,
  verify: verifies,
};
