import type { OpContext } from '@kms/core';

/** Who signed the request: the tenant its access key belongs to, and the scope it signed for. */
export interface AwsCaller extends OpContext {
  accessKeyId: string;
  /** The region of the credential scope: ARNs in answers use it, whatever it is. */
  region: string;
  /** The tenant's stable 12-digit account number. */
  account: string;
}
