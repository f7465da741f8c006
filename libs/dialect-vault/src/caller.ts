import type { OpContext } from '@kms/core';

/** Who presented the token: its tenant, and the token itself (lookup-self answers with it). */
export interface VaultCaller extends OpContext {
  credentialId: string;
  token: string;
}
