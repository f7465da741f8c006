import type { KeyOperations, OpContext } from '@kms/core';
import type { Item } from '../ttlv';

/** A negotiated KMIP protocol version (the request header's Protocol Version). */
export interface ProtocolVersion {
  major: number;
  minor: number;
}

/**
 * What one batch item's handler sees. The message layer builds it once per request message; the
 * tenant comes from the client certificate the TLS layer verified (credential kind
 * `tls-client-cert`), never from anything in the message.
 */
export interface KmipCall {
  ctx: OpContext;
  version: ProtocolVersion;
  ops: KeyOperations;
  /**
   * The ID Placeholder (KMIP 1.4 section 3.1, Unique Identifier): the identifier the previous
   * batch item returned, used when a request payload omits its Unique Identifier.
   */
  placeholder: string | null;
}

/** A handler's answer: the Response Payload and, when it named an object, that object's id. */
export interface KmipResult {
  payload: Item | null;
  /** Becomes the ID Placeholder for the batch items that follow. */
  uniqueIdentifier?: string;
}

/**
 * One operation. Refusals are thrown: a `KmipFailure` with its Result Reason, or a core
 * `KmsError`, which the message layer maps to a Result Reason by one table. Anything else thrown
 * is a server fault (General Failure).
 */
export type OperationHandler = (call: KmipCall, payload: Item | null) => Promise<KmipResult>;

/** A refusal in KMIP's own terms: Result Status Operation Failed with this Result Reason. */
export class KmipFailure extends Error {
  override readonly name = 'KmipFailure';
  /**
   * @param reason a Result Reason by specification name (a key of RESULT_REASON)
   * @param payload a Response Payload for the failed item, where the spec gives one (Check names the failed field)
   */
  constructor(
    readonly reason: string,
    message: string,
    readonly payload: Item | null = null,
  ) {
    super(message);
  }
}
