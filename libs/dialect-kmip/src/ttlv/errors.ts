/**
 * Why the decoder refused a message. Every refusal is a TtlvError; the decoder throws nothing else,
 * so a connection handler can answer any malformed input with a KMIP error instead of failing.
 *
 * Every kind maps to Result Status "Operation Failed" with Result Reason "Invalid Message". The
 * KMIP 2.0 specification describes Invalid Message as a request "not syntactically understood by
 * the server", and Invalid Field as a request that "is syntactically valid but some data ... has an
 * invalid value"; a buffer the codec cannot turn into items is the former. Encoding Option Error
 * concerns the Encoding Option of key wrapping, not TTLV. Limit refusals are Invalid Message too:
 * KMIP 1.x has no reason for "too big for this server", and the version a client speaks is only
 * known once the message is decoded (see docs/kmip.md).
 */
export type TtlvErrorKind =
  | 'truncated'
  | 'length-overrun'
  | 'trailing-bytes'
  | 'bad-tag'
  | 'unknown-type'
  | 'wrong-length'
  | 'nonzero-padding'
  | 'bad-boolean'
  | 'bad-utf8'
  | 'message-size-limit'
  | 'depth-limit'
  | 'structure-items-limit'
  | 'total-items-limit'
  | 'text-length-limit'
  | 'bytes-length-limit'
  | 'big-integer-length-limit';

export type ResultReason = 'Invalid Message' | 'Invalid Field' | 'Encoding Option Error';

interface Refusal {
  /** What was wrong, for the Result Message. */
  what: string;
  reason: ResultReason;
}

export const REFUSALS: Readonly<Record<TtlvErrorKind, Refusal>> = {
  truncated: { what: 'the message ends inside an item', reason: 'Invalid Message' },
  'length-overrun': { what: 'an item runs past the end of its structure', reason: 'Invalid Message' },
  'trailing-bytes': { what: 'bytes follow the message', reason: 'Invalid Message' },
  'bad-tag': { what: 'a tag is outside the KMIP (0x42) and extension (0x54) ranges', reason: 'Invalid Message' },
  'unknown-type': { what: 'an item type byte is undefined', reason: 'Invalid Message' },
  'wrong-length': { what: 'an item length is not allowed for its type', reason: 'Invalid Message' },
  'nonzero-padding': { what: 'padding bytes are not zero', reason: 'Invalid Message' },
  'bad-boolean': { what: 'a Boolean is neither 0 nor 1', reason: 'Invalid Message' },
  'bad-utf8': { what: 'a Text String is not UTF-8', reason: 'Invalid Message' },
  'message-size-limit': { what: 'the message is larger than this server accepts', reason: 'Invalid Message' },
  'depth-limit': { what: 'structures nest deeper than this server accepts', reason: 'Invalid Message' },
  'structure-items-limit': { what: 'a structure holds more items than this server accepts', reason: 'Invalid Message' },
  'total-items-limit': { what: 'the message holds more items than this server accepts', reason: 'Invalid Message' },
  'text-length-limit': { what: 'a Text String is longer than this server accepts', reason: 'Invalid Message' },
  'bytes-length-limit': { what: 'a Byte String is longer than this server accepts', reason: 'Invalid Message' },
  'big-integer-length-limit': { what: 'a Big Integer is longer than this server accepts', reason: 'Invalid Message' },
};

export class TtlvError extends Error {
  override readonly name = 'TtlvError';
  readonly resultStatus = 'Operation Failed';
  readonly resultReason: ResultReason;

  /**
   * @param offset byte offset of the offending item (or byte) in the decoded buffer
   * @param path names (or hex numbers) of the tags from the outermost structure to the offending item
   */
  constructor(
    readonly kind: TtlvErrorKind,
    readonly offset: number,
    readonly path: readonly string[],
    readonly detail: string,
  ) {
    super(`${REFUSALS[kind].what} (${kind}) at offset ${offset}${path.length ? ` in ${path.join(' / ')}` : ''}: ${detail}`);
    this.resultReason = REFUSALS[kind].reason;
  }
}
