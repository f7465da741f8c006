import { HASHES, type KeyRecord, specInfo } from '@kms/core';
import { keyArn } from './arn';
import type { AwsCaller } from './caller';
import { ASYM_ENCRYPTION, MAC_ALGORITHMS, SIGNING_ALGORITHMS, awsKeySpec, awsKeyUsage } from './key-specs';

const STATES: Record<KeyRecord['state'], string> = {
  enabled: 'Enabled',
  disabled: 'Disabled',
  pending_import: 'PendingImport',
  pending_deletion: 'PendingDeletion',
  destroyed: 'Unavailable',
};

/** AWS times are epoch seconds (the SDKs turn them into Dates). */
export const seconds = (ms: number) => ms / 1000;

/** DescribeKey's KeyMetadata for any key of the tenant, whichever dialect made it. */
export function keyMetadata(caller: AwsCaller, r: KeyRecord): Record<string, unknown> {
  const spec = awsKeySpec(r.spec) ?? r.spec.toUpperCase();
  const usage = awsKeyUsage(r);
  const info = specInfo(r.spec);
  return {
    AWSAccountId: caller.account,
    KeyId: r.id,
    Arn: keyArn(caller.region, caller.account, r.id),
    CreationDate: seconds(r.createdAt),
    Enabled: r.state === 'enabled',
    Description: r.description ?? '',
    KeyUsage: usage,
    KeyState: STATES[r.state],
    ...(r.deletionAt !== null && r.state === 'pending_deletion' ? { DeletionDate: seconds(r.deletionAt) } : {}),
    Origin: r.origin === 'generated' ? 'AWS_KMS' : 'EXTERNAL',
    ...expiration(r),
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: spec,
    KeySpec: spec,
    ...algorithms(usage, info.family, r.spec),
    MultiRegion: false,
  };
}

/** Imported material (AWS: shown once the material is there): whether it expires, and when. */
function expiration(r: KeyRecord): Record<string, unknown> {
  if (r.origin === 'generated' || r.state === 'pending_import') return {};
  return r.expiresAt === null ? { ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' } : { ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: seconds(r.expiresAt) };
}

/** The algorithms a key offers for its usage, as DescribeKey and GetPublicKey list them. */
export function algorithms(usage: string, family: string, spec: string): Record<string, string[]> {
  if (usage === 'ENCRYPT_DECRYPT') {
    if (family === 'aes') return { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] };
    return { EncryptionAlgorithms: Object.keys(ASYM_ENCRYPTION).filter((a) => (family === 'sm2') === (a === 'SM2PKE')) };
  }
  if (usage === 'SIGN_VERIFY') return { SigningAlgorithms: Object.keys(SIGNING_ALGORITHMS).filter((a) => signsWith(a, family, spec)) };
  // An HMAC key has one algorithm: the one whose digest is as long as the key (AWS: HMAC_256 -> HMAC_SHA_256).
  if (usage === 'GENERATE_VERIFY_MAC') return { MacAlgorithms: Object.keys(MAC_ALGORITHMS).filter((a) => HASHES[MAC_ALGORITHMS[a]].size * 8 === specInfo(spec).bits) };
  return { KeyAgreementAlgorithms: ['ECDH'] };
}

/** Whether a SigningAlgorithm fits a key: RSA for rsa-*, ECDSA by curve, SM2DSA for SM2. */
export function signsWith(algorithm: string, family: string, spec: string): boolean {
  const entry = SIGNING_ALGORITHMS[algorithm];
  if (!entry) return false;
  return entry.families.some((f) => f === family || f === `${family}:${spec.replace(/^ec-/, '')}`);
}
