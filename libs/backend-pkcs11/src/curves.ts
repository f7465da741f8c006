import type { Curve } from '@kms/core';

/** Named curves as PKCS#11 (CKA_EC_PARAMS = DER OID) and node:crypto name them. */
export interface CurveInfo {
  /** DER-encoded OID, the value of CKA_EC_PARAMS. */
  params: Buffer;
  /** Name in node's asymmetricKeyDetails.namedCurve. */
  node: string;
  /** Field size in bytes (coordinate length). */
  size: number;
  /** Field size in bits, as tokens state EC key sizes. */
  bits: number;
}

export const EC_CURVES: Record<Curve, CurveInfo> = {
  'P-224': { params: Buffer.from('06052b81040021', 'hex'), node: 'secp224r1', size: 28, bits: 224 },
  'P-256': { params: Buffer.from('06082a8648ce3d030107', 'hex'), node: 'prime256v1', size: 32, bits: 256 },
  secp256k1: { params: Buffer.from('06052b8104000a', 'hex'), node: 'secp256k1', size: 32, bits: 256 },
  'P-384': { params: Buffer.from('06052b81040022', 'hex'), node: 'secp384r1', size: 48, bits: 384 },
  'P-521': { params: Buffer.from('06052b81040023', 'hex'), node: 'secp521r1', size: 66, bits: 521 },
};

/** id-Ed25519 (RFC 8410), as CKA_EC_PARAMS of a CKK_EC_EDWARDS key. */
export const ED25519_PARAMS = Buffer.from('06032b6570', 'hex');
/** id-ecPublicKey. */
export const EC_PUBLIC_KEY_OID = Buffer.from('06072a8648ce3d0201', 'hex');
