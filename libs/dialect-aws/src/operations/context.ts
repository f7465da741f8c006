import type { KeyOperations } from '@kms/core';
import type { AwsCaller } from '../caller';
import type { Input } from '../input';

/** One AWS operation: the caller, its request body, and the canonical service. */
export interface AwsCall {
  caller: AwsCaller;
  input: Input;
  keys: KeyOperations;
}

export type AwsAction = (call: AwsCall) => Promise<Record<string, unknown>>;
