import { BATCH_ERROR_CONTINUATION_OPTION, tagName, tagOf, type Item } from '../ttlv';
import { KmipFailure, type ProtocolVersion } from '../operations/operation';
import { children, optional, required } from '../operations/payload';

/** One batch item of a Request Message, as read. */
export interface RequestItem {
  operation: number;
  batchItemId: Buffer | null;
  payload: Item | null;
}

/** What happens to the batch items after one fails (Undo is served as Stop: nothing is undone). */
export type OnError = 'stop' | 'continue';

export interface RequestMessage {
  version: ProtocolVersion;
  maxResponseSize: number | null;
  onError: OnError;
  items: RequestItem[];
}

const invalid = (message: string): KmipFailure => new KmipFailure('Invalid Message', message);

/**
 * The parts of a Request Message this server acts on. The message layer answers a structural
 * fault here (not a Request Message, no header, a Batch Count that does not match) with Invalid
 * Message for the whole message. Authentication in the header is ignored: the TLS client
 * certificate is the only credential (docs/kmip.md).
 */
export function readRequest(message: Item): RequestMessage {
  if (message.tag !== tagOf('Request Message') || message.type !== 'Structure') throw invalid(`expected a Request Message, got ${tagName(message.tag)}`);
  const header = wrap(() => required(message, 'Request Header', 'Structure'));
  const pv = wrap(() => required(header, 'Protocol Version', 'Structure'));
  const version = { major: wrap(() => required(pv, 'Protocol Version Major', 'Integer').value), minor: wrap(() => required(pv, 'Protocol Version Minor', 'Integer').value) };
  const maxResponseSize = wrap(() => optional(header, 'Maximum Response Size', 'Integer')?.value ?? null);
  const continuation = wrap(() => optional(header, 'Batch Error Continuation Option', 'Enumeration')?.value ?? BATCH_ERROR_CONTINUATION_OPTION['Stop']);
  const count = wrap(() => required(header, 'Batch Count', 'Integer').value);
  const items = children(message, 'Batch Item').map((b) => wrap(() => readItem(b)));
  if (count !== items.length) throw invalid(`Batch Count is ${count} but the message holds ${items.length} Batch Items`);
  if (items.length === 0) throw invalid('the message holds no Batch Item');
  const continueOnError = continuation === BATCH_ERROR_CONTINUATION_OPTION['Continue'];
  return {
    version,
    maxResponseSize,
    onError: continueOnError ? 'continue' : 'stop',
    items,
  };
}

function readItem(b: Item): RequestItem {
  if (b.type !== 'Structure') throw invalid('a Batch Item must be a Structure');
  return {
    operation: required(b, 'Operation', 'Enumeration').value,
    batchItemId: optional(b, 'Unique Batch Item ID', 'ByteString')?.value ?? null,
    payload: optional(b, 'Request Payload', 'Structure') ?? null,
  };
}

/** A missing or mistyped header field is a message the server cannot read: Invalid Message, not Invalid Field. */
function wrap<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof KmipFailure) throw invalid(err.message);
    throw err;
  }
}
