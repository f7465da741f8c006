import { createHash } from 'node:crypto';
import { UUID_RE } from '@kms/core';
import { AwsError } from './errors';

/**
 * A tenant's AWS account number: 12 digits, the same for every request of the tenant (taken from a
 * hash of its id), so that ARNs are stable and two tenants never share one.
 */
export function accountOf(tenantId: string): string {
  const n = createHash('sha256').update(`aws-account:${tenantId}`).digest().readBigUInt64BE(0) % 10n ** 12n;
  return n.toString().padStart(12, '0');
}

export const keyArn = (region: string, account: string, keyId: string) => `arn:aws:kms:${region}:${account}:key/${keyId}`;
export const aliasArn = (region: string, account: string, alias: string) => `arn:aws:kms:${region}:${account}:${alias}`;

/** An alias as AWS names it (`alias/<name>`); the core's alias table holds `<name>`. */
export const ALIAS_PREFIX = 'alias/';

/** Where a KeyId may be an alias (AWS: Encrypt, DescribeKey, GenerateDataKey... but not key-management calls such as EnableKey). */
export type KeyIdForm = 'key' | 'key-or-alias';

/**
 * A KeyId as AWS accepts it: a key id, a key ARN, and where allowed an alias name or alias ARN.
 * Returns what the core's lookup takes: the key id, or the alias name without its prefix. An ARN
 * of another account names a key this tenant cannot see (NotFoundException, as AWS says for keys
 * one cannot reach).
 */
export function keyRefOf(keyId: unknown, form: KeyIdForm, account: string): string {
  if (typeof keyId !== 'string' || keyId.length < 1 || keyId.length > 2048)
    throw new AwsError('ValidationException', "1 validation error detected: Value at 'keyId' failed to satisfy constraint: Member must have length between 1 and 2048");
  if (keyId.startsWith('arn:')) {
    const m = /^arn:aws[a-z-]*:kms:([a-z0-9-]*):(\d{12}):(key\/.+|alias\/.+)$/.exec(keyId);
    if (!m) throw new AwsError('NotFoundException', `Invalid arn ${keyId.slice(0, 256)}`);
    if (m[2] !== account) throw new AwsError('NotFoundException', `Key '${keyId.slice(0, 256)}' does not exist`);
    return keyRefOf(m[3].startsWith('key/') ? m[3].slice(4) : m[3], form, account);
  }
  if (keyId.startsWith(ALIAS_PREFIX)) {
    if (form === 'key') throw new AwsError('NotFoundException', `Alias ${keyId.slice(0, 256)} is not a key id: this operation takes a key id or key ARN`);
    return keyId.slice(ALIAS_PREFIX.length);
  }
  if (!UUID_RE.test(keyId)) throw new AwsError('NotFoundException', `Invalid keyId '${keyId.slice(0, 256)}'`);
  return keyId;
}
