import { AwsError } from '../errors';
import { ALIAS_ACTIONS } from './aliases';
import type { AwsAction } from './context';
import { CRYPTO_ACTIONS } from './crypto';
import { IMPORT_ACTIONS } from './import';
import { KEY_ACTIONS } from './keys';
import { ROTATION_ACTIONS } from './rotation';
import { SIGNATURE_ACTIONS } from './signatures';
import { TAG_ACTIONS } from './tags';

/**
 * AWS KMS operations this gateway does not serve, by design (docs/aws.md, "Not served"): each
 * answers UnsupportedOperationException naming itself, rather than UnknownOperationException,
 * so that a client learns the operation exists but is not offered here.
 */
export const NOT_SERVED: Readonly<Record<string, string>> = {
  CreateGrant: 'grants',
  ListGrants: 'grants',
  ListRetirableGrants: 'grants',
  RetireGrant: 'grants',
  RevokeGrant: 'grants',
  GetKeyPolicy: 'key policies',
  PutKeyPolicy: 'key policies',
  ListKeyPolicies: 'key policies',
  CreateCustomKeyStore: 'custom key stores',
  DeleteCustomKeyStore: 'custom key stores',
  DescribeCustomKeyStores: 'custom key stores',
  UpdateCustomKeyStore: 'custom key stores',
  ConnectCustomKeyStore: 'custom key stores',
  DisconnectCustomKeyStore: 'custom key stores',
  ReplicateKey: 'multi-Region keys',
  UpdatePrimaryRegion: 'multi-Region keys',
  DeriveSharedSecret: 'key agreement',
  Encapsulate: 'key encapsulation (ML-KEM)',
  Decapsulate: 'key encapsulation (ML-KEM)',
  GetKeyLastUsage: 'key usage tracking',
};

const SERVED: Readonly<Record<string, AwsAction>> = {
  ...KEY_ACTIONS,
  ...ALIAS_ACTIONS,
  ...CRYPTO_ACTIONS,
  ...SIGNATURE_ACTIONS,
  ...ROTATION_ACTIONS,
  ...TAG_ACTIONS,
  ...IMPORT_ACTIONS,
};

export const servedOperations = () => Object.keys(SERVED).sort();

export function actionFor(operation: string): AwsAction {
  const action = Object.hasOwn(SERVED, operation) ? SERVED[operation] : undefined;
  if (action) return action;
  if (Object.hasOwn(NOT_SERVED, operation))
    throw new AwsError('UnsupportedOperationException', `${operation} is not supported by this gateway (${NOT_SERVED[operation]} are not served).`);
  throw new AwsError('UnknownOperationException', `Unknown operation ${operation.slice(0, 128)}`);
}
