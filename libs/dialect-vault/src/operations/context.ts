import type { KeyOperations } from '@kms/core';
import type { VaultCaller } from '../caller';
import type { Input } from '../input';
import type { VaultAnswer } from '../wire';

/** Secrets the dialect derives from the master key (the same in every process), never stored. */
export interface VaultSecrets {
  /** Keys the id of each tenant's BYOK wrapping key (operations/import.ts). */
  wrappingKeyId: Buffer;
}

/** One transit request: the caller, its fields, the path's parameters, and the canonical service. */
export interface VaultCall {
  caller: VaultCaller;
  input: Input;
  params: Readonly<Record<string, string | undefined>>;
  keys: KeyOperations;
  secrets: VaultSecrets;
}

export type VaultAction = (call: VaultCall) => Promise<VaultAnswer>;

/** Vault's logical operations, which its HTTP methods map to (GET with list=true and LIST are `list`). */
export type VaultOperation = 'read' | 'update' | 'delete' | 'list';
