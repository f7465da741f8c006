import type { KeyOperations } from '@kms/core';
import type { AwsCaller } from '../caller';
import type { Input } from '../input';

/** One AWS operation: the caller, its request body, and the canonical service. */
export interface AwsCall {
  caller: AwsCaller;
  input: Input;
  keys: KeyOperations;
  /** Keys the dialect derives from the master key (the same on every replica). */
  derived: AwsDerivedKeys;
}

export interface AwsDerivedKeys {
  /** Authenticates import tokens (GetParametersForImport -> ImportKeyMaterial). */
  importToken: Buffer;
  /** Keys the fingerprint of imported material, so that a re-import can be checked to be the same material, as AWS requires. */
  materialFingerprint: Buffer;
}

export type AwsAction = (call: AwsCall) => Promise<Record<string, unknown>>;
