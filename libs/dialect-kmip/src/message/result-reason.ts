import { KmsError, type KmsErrorCode } from '@kms/core';
import type { Item } from '../ttlv';
import { KmipFailure, type ProtocolVersion } from '../operations/operation';
import { is2 } from './versions';

/**
 * THE mapping of the core's error codes to Result Reasons. KMIP 2.0 added the precise reasons
 * (Wrong Key Lifecycle State, Object Already Exists); a 1.x client gets the nearest reason its
 * version defines.
 */
const REASON: Readonly<Record<KmsErrorCode, { v1: string; v2: string }>> = {
  INVALID_ARGUMENT: { v1: 'Invalid Field', v2: 'Invalid Field' },
  UNAUTHENTICATED: { v1: 'Authentication Not Successful', v2: 'Authentication Not Successful' },
  FORBIDDEN: { v1: 'Permission Denied', v2: 'Permission Denied' },
  NOT_FOUND: { v1: 'Item Not Found', v2: 'Item Not Found' },
  ALREADY_EXISTS: { v1: 'Invalid Field', v2: 'Object Already Exists' },
  WRONG_KEY_STATE: { v1: 'Illegal Operation', v2: 'Wrong Key Lifecycle State' },
  UNSUPPORTED: { v1: 'Feature Not Supported', v2: 'Feature Not Supported' },
  CRYPTO_FAILURE: { v1: 'Cryptographic Failure', v2: 'Cryptographic Failure' },
  INTERNAL: { v1: 'General Failure', v2: 'General Failure' },
};

/** Reasons of KMIP 2.0 that a 1.x response may not carry, with the 1.x reason that stands in. */
const V1_STAND_IN: Readonly<Record<string, string>> = {
  'Wrong Key Lifecycle State': 'Illegal Operation',
  'Object Already Exists': 'Invalid Field',
  'Unsupported Protocol Version': 'Invalid Message',
};

export interface Refusal {
  reason: string;
  message: string;
  /** A server fault: logged by the caller, answered with a generic message. */
  internal: boolean;
  payload: Item | null;
}

export function refusalOf(err: unknown, version: ProtocolVersion): Refusal {
  if (err instanceof KmipFailure) {
    return { reason: is2(version) ? err.reason : (V1_STAND_IN[err.reason] ?? err.reason), message: err.message, internal: false, payload: err.payload };
  }
  if (err instanceof KmsError && err.code !== 'INTERNAL') return { reason: REASON[err.code][is2(version) ? 'v2' : 'v1'], message: err.message, internal: false, payload: null };
  return { reason: 'General Failure', message: 'internal error', internal: true, payload: null };
}
