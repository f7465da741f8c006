import type { HashAlg } from '@kms/core';
import { KmipFailure } from '../operation';
import { HASH } from './tables';

/** The core's hash for a Hashing Algorithm name, or the default when the request names none. */
export function hashOf(name: string | undefined, fallback: HashAlg): HashAlg {
  if (name === undefined) return fallback;
  const hash = HASH[name];
  if (hash === undefined) throw new KmipFailure('Invalid Field', `Hashing Algorithm ${name} is not supported`);
  return hash;
}

/** MGF1 hashes with the digest's own hash in the core; a request that names another one is refused rather than ignored. */
export function checkMaskHash(maskHash: string | undefined, hash: HashAlg): void {
  if (maskHash !== undefined && HASH[maskHash] !== hash) throw new KmipFailure('Invalid Field', `Mask Generator Hashing Algorithm must be the Hashing Algorithm (${hash})`);
}
