import type { OperationHandler } from '../operation';
import { decrypt } from './decrypt';
import { encrypt } from './encrypt';
import { mac, macVerify } from './mac';
import { rngRetrieve } from './rng';
import { sign, signatureVerify } from './sign';

/** Encrypt, Decrypt, Sign, Signature Verify, MAC, MAC Verify, RNG Retrieve (operations/crypto/*). */
export const CRYPTO_OPERATIONS: Readonly<Record<string, OperationHandler>> = {
  Encrypt: encrypt,
  Decrypt: decrypt,
  Sign: sign,
  'Signature Verify': signatureVerify,
  MAC: mac,
  'MAC Verify': macVerify,
  'RNG Retrieve': rngRetrieve,
};
