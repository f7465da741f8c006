import type { OperationHandler } from '../operation';

/** Encrypt, Decrypt, Sign, Signature Verify, MAC, MAC Verify, RNG Retrieve (operations/crypto/*). */
export const CRYPTO_OPERATIONS: Readonly<Record<string, OperationHandler>> = {};
