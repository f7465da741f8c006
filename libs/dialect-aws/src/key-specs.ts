import { type HashAlg, type KeyRecord, type KeyUsage, type SignParams, specInfo } from '@kms/core';

/** AWS KeySpec -> the core's spec. SM2 exists where the backend holds it (the soft engine). */
export const KEY_SPECS: Readonly<Record<string, string>> = {
  SYMMETRIC_DEFAULT: 'aes-256',
  RSA_2048: 'rsa-2048',
  RSA_3072: 'rsa-3072',
  RSA_4096: 'rsa-4096',
  ECC_NIST_P256: 'ec-p256',
  ECC_NIST_P384: 'ec-p384',
  ECC_NIST_P521: 'ec-p521',
  ECC_SECG_P256K1: 'ec-secp256k1',
  HMAC_224: 'secret-224',
  HMAC_256: 'secret-256',
  HMAC_384: 'secret-384',
  HMAC_512: 'secret-512',
  SM2: 'ec-sm2',
};

/** The AWS KeySpec of a key made by any dialect, or null where AWS has none (AES-128, Ed25519...). */
export function awsKeySpec(spec: string): string | null {
  for (const [aws, ours] of Object.entries(KEY_SPECS)) if (ours === spec) return aws;
  return null;
}

export type AwsKeyUsage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC' | 'KEY_AGREEMENT';

export const USAGES: Readonly<Record<AwsKeyUsage, KeyUsage[]>> = {
  ENCRYPT_DECRYPT: ['encrypt', 'decrypt'],
  SIGN_VERIFY: ['sign', 'verify'],
  GENERATE_VERIFY_MAC: ['mac'],
  KEY_AGREEMENT: ['derive'],
};

/** Which usages each KeySpec may have, and its default (AWS: ENCRYPT_DECRYPT, or none for HMAC). */
export const USAGES_OF_SPEC: Readonly<Record<string, { allowed: AwsKeyUsage[]; default: AwsKeyUsage | null }>> = {
  SYMMETRIC_DEFAULT: { allowed: ['ENCRYPT_DECRYPT'], default: 'ENCRYPT_DECRYPT' },
  RSA_2048: { allowed: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'], default: null },
  RSA_3072: { allowed: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'], default: null },
  RSA_4096: { allowed: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'], default: null },
  ECC_NIST_P256: { allowed: ['SIGN_VERIFY', 'KEY_AGREEMENT'], default: null },
  ECC_NIST_P384: { allowed: ['SIGN_VERIFY', 'KEY_AGREEMENT'], default: null },
  ECC_NIST_P521: { allowed: ['SIGN_VERIFY', 'KEY_AGREEMENT'], default: null },
  ECC_SECG_P256K1: { allowed: ['SIGN_VERIFY'], default: null },
  HMAC_224: { allowed: ['GENERATE_VERIFY_MAC'], default: null },
  HMAC_256: { allowed: ['GENERATE_VERIFY_MAC'], default: null },
  HMAC_384: { allowed: ['GENERATE_VERIFY_MAC'], default: null },
  HMAC_512: { allowed: ['GENERATE_VERIFY_MAC'], default: null },
  SM2: { allowed: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'KEY_AGREEMENT'], default: null },
};

/** A key's AWS KeyUsage, read from its usages (a key made elsewhere may hold several: the first that fits wins). */
export function awsKeyUsage(record: Pick<KeyRecord, 'usages' | 'spec'>): AwsKeyUsage {
  const has = (u: KeyUsage) => record.usages.includes(u);
  if (has('sign')) return 'SIGN_VERIFY';
  const encrypts = has('encrypt') || has('decrypt');
  // A generic secret that MACs is an HMAC key even where it may also encrypt (JOSE composite keys);
  // an AES or ChaCha key that also MACs (through a subkey, as Vault transit allows) is an encryption key.
  if (has('mac') && (!encrypts || specInfo(record.spec).family === 'secret')) return 'GENERATE_VERIFY_MAC';
  if (encrypts) return 'ENCRYPT_DECRYPT';
  return 'KEY_AGREEMENT';
}

/** SigningAlgorithm -> the core's parameters, and the key families each is for. */
export const SIGNING_ALGORITHMS: Readonly<Record<string, { params: SignParams; families: readonly string[] }>> = {
  RSASSA_PSS_SHA_256: { params: { scheme: 'RSA-PSS', hash: 'SHA-256' }, families: ['rsa'] },
  RSASSA_PSS_SHA_384: { params: { scheme: 'RSA-PSS', hash: 'SHA-384' }, families: ['rsa'] },
  RSASSA_PSS_SHA_512: { params: { scheme: 'RSA-PSS', hash: 'SHA-512' }, families: ['rsa'] },
  RSASSA_PKCS1_V1_5_SHA_256: { params: { scheme: 'RSA-PKCS1', hash: 'SHA-256' }, families: ['rsa'] },
  RSASSA_PKCS1_V1_5_SHA_384: { params: { scheme: 'RSA-PKCS1', hash: 'SHA-384' }, families: ['rsa'] },
  RSASSA_PKCS1_V1_5_SHA_512: { params: { scheme: 'RSA-PKCS1', hash: 'SHA-512' }, families: ['rsa'] },
  ECDSA_SHA_256: { params: { scheme: 'ECDSA', hash: 'SHA-256' }, families: ['ec:p256', 'ec:secp256k1'] },
  ECDSA_SHA_384: { params: { scheme: 'ECDSA', hash: 'SHA-384' }, families: ['ec:p384'] },
  ECDSA_SHA_512: { params: { scheme: 'ECDSA', hash: 'SHA-512' }, families: ['ec:p521'] },
  SM2DSA: { params: { scheme: 'SM2', hash: 'SM3' }, families: ['sm2'] },
};

/** EncryptionAlgorithm for asymmetric keys -> the core's OAEP hash (SM2PKE for SM2 keys). */
export const ASYM_ENCRYPTION: Readonly<Record<string, { scheme: 'RSA-OAEP' | 'SM2'; hash?: HashAlg }>> = {
  RSAES_OAEP_SHA_1: { scheme: 'RSA-OAEP', hash: 'SHA-1' },
  RSAES_OAEP_SHA_256: { scheme: 'RSA-OAEP', hash: 'SHA-256' },
  SM2PKE: { scheme: 'SM2' },
};

export const MAC_ALGORITHMS: Readonly<Record<string, HashAlg>> = {
  HMAC_SHA_224: 'SHA-224',
  HMAC_SHA_256: 'SHA-256',
  HMAC_SHA_384: 'SHA-384',
  HMAC_SHA_512: 'SHA-512',
};
