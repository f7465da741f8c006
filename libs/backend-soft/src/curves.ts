import { ecdsa, weierstrass, type ECDSA } from '@noble/curves/abstract/weierstrass.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha224 } from '@noble/hashes/sha2.js';
import type { Curve } from '@kms/core';

/**
 * node:crypto signs EC keys only over a message it hashes itself; signing a digest computed by the
 * client (eHSM `EH_DIGEST`) goes through @noble/curves instead. P-224 is not among noble's named
 * curves, so it is defined here from its FIPS 186-4 parameters (checked against node in the tests).
 */
const p224Point = weierstrass({
  p: 0xffffffffffffffffffffffffffffffff000000000000000000000001n,
  n: 0xffffffffffffffffffffffffffff16a2e0b8f03e13dd29455c5c2a3dn,
  h: 1n,
  a: 0xfffffffffffffffffffffffffffffffefffffffffffffffffffffffen,
  b: 0xb4050a850c04b3abf54132565044b0b7d7bfd8ba270b39432355ffb4n,
  Gx: 0xb70e0cbd6bb4bf7f321390b94a03c1d356c21122343280d6115c1d21n,
  Gy: 0xbd376388b5f723fb4c22dfe6cd4375a05a07476444d5819985007e34n,
});
const p224 = ecdsa(p224Point, sha224);

/** noble's ECDSA for each curve of the core's table (which holds every other fact about it). */
export const NOBLE: Record<Curve, ECDSA> = {
  'P-224': p224,
  'P-256': p256,
  secp256k1,
  'P-384': p384,
  'P-521': p521,
};
