import { CRYPTO_OPERATIONS } from './crypto';
import { OBJECT_OPERATIONS } from './objects';
import type { OperationHandler } from './operation';

/** Every served operation by specification name (OPERATION); anything else is Operation Not Supported. */
export const OPERATIONS: Readonly<Record<string, OperationHandler>> = {
  ...OBJECT_OPERATIONS,
  ...CRYPTO_OPERATIONS,
};
