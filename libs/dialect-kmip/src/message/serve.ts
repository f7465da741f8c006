import type { KeyOperations, OpContext } from '@kms/core';
import { TtlvError, decode, encode, enumerationName, tagOf, type DecodeLimits, type Item } from '../ttlv';
import { KmipFailure, type KmipCall, type OperationHandler, type ProtocolVersion } from '../operations/operation';
import { OPERATIONS } from '../operations/table';
import { readRequest, type RequestMessage } from './request';
import { refusalMessage, responseMessage, type ResponseItem } from './response';
import { refusalOf } from './result-reason';
import { FALLBACK_VERSION, is2, isSupported, responseVersion } from './versions';

/** Who sent a message: a tenant (its certificate mapped to a live credential), or nobody the server knows. */
export type Caller = { kind: 'tenant'; ctx: OpContext } | { kind: 'refused'; message: string };

export interface ServeOptions {
  ops: KeyOperations;
  /** For server faults (never a message's content). */
  onInternalError: (err: unknown, operation: string) => void;
  limits?: Partial<DecodeLimits>;
  /** The operation table; the served one unless a test gives its own. */
  operations?: Readonly<Record<string, OperationHandler>>;
}

/** Operations served whatever the request's version, so that a client can find one the server speaks. */
const VERSION_INDEPENDENT = new Set(['Discover Versions']);

/**
 * One Request Message in, one Response Message out: never a throw, whatever the bytes. A message
 * that does not decode, or is not a Request Message, is answered with one failed batch item
 * (Invalid Message) in KMIP 1.0, since its version cannot be known; the connection layer decides
 * whether the framing is still sound.
 */
export async function serveMessage(bytes: Buffer, caller: Caller, opts: ServeOptions): Promise<Buffer> {
  let message: Item;
  try {
    message = decode(bytes, opts.limits);
  } catch (err) {
    if (err instanceof TtlvError) return refusalMessage(FALLBACK_VERSION, err.resultReason, err.message);
    opts.onInternalError(err, 'decode');
    return refusalMessage(FALLBACK_VERSION, 'General Failure', 'internal error');
  }
  let request: RequestMessage;
  try {
    request = readRequest(message);
  } catch (err) {
    const refusal = refusalOf(err, FALLBACK_VERSION);
    if (refusal.internal) opts.onInternalError(err, 'read request');
    return refusalMessage(versionOf(message), refusal.reason, refusal.message);
  }
  const version = responseVersion(request.version);
  const items = await serveBatch(request, version, caller, opts);
  const response = encode(responseMessage(version, items));
  if (request.maxResponseSize === null || response.length <= request.maxResponseSize) return response;
  // Spec: a response over the client's Maximum Response Size is replaced by Response Too Large.
  const tooLarge = items.map<ResponseItem>((i) => ({
    operation: i.operation,
    batchItemId: i.batchItemId,
    ok: false,
    reason: 'Response Too Large',
    message: `the response takes ${response.length} bytes, more than the Maximum Response Size of ${request.maxResponseSize}`,
  }));
  return encode(responseMessage(version, tooLarge));
}

async function serveBatch(request: RequestMessage, version: ProtocolVersion, caller: Caller, opts: ServeOptions): Promise<ResponseItem[]> {
  const table = opts.operations ?? OPERATIONS;
  const out: ResponseItem[] = [];
  let placeholder: string | null = null;
  for (const item of request.items) {
    const name = enumerationName(tagOf('Operation'), item.operation);
    const head = { operation: item.operation, batchItemId: item.batchItemId };
    try {
      if (caller.kind === 'refused') throw new KmipFailure('Permission Denied', caller.message);
      const handler = name === undefined ? undefined : table[name];
      if (handler === undefined) throw new KmipFailure('Operation Not Supported', `${name ?? `operation ${item.operation}`} is not served`);
      if (!isSupported(request.version) && !VERSION_INDEPENDENT.has(name ?? '')) {
        throw new KmipFailure(
          is2(version) ? 'Unsupported Protocol Version' : 'Invalid Message',
          `protocol version ${request.version.major}.${request.version.minor} is not supported; Discover Versions lists those that are`,
        );
      }
      const call: KmipCall = { ctx: caller.ctx, version, ops: opts.ops, placeholder };
      const result = await handler(call, item.payload);
      if (result.uniqueIdentifier !== undefined) placeholder = result.uniqueIdentifier;
      out.push({ ...head, ok: true, payload: result.payload });
    } catch (err) {
      const refusal = refusalOf(err, version);
      if (refusal.internal) opts.onInternalError(err, name ?? String(item.operation));
      out.push({ ...head, ok: false, reason: refusal.reason, message: refusal.message, payload: refusal.payload });
      // Stop (the default) and Undo (served as Stop): the items after a failure are not run, and
      // the response holds the ones that were.
      if (request.onError === 'stop') break;
    }
  }
  return out;
}

/** The version a message that is no valid request claims, when it claims one; else 1.0. */
function versionOf(message: Item): ProtocolVersion {
  try {
    const header = message.type === 'Structure' ? message.items.find((i) => i.tag === tagOf('Request Header')) : undefined;
    const pv = header?.type === 'Structure' ? header.items.find((i) => i.tag === tagOf('Protocol Version')) : undefined;
    if (pv?.type !== 'Structure') return FALLBACK_VERSION;
    const num = (n: string) => {
      const i = pv.items.find((x) => x.tag === tagOf(n));
      return i?.type === 'Integer' ? i.value : null;
    };
    const major = num('Protocol Version Major');
    const minor = num('Protocol Version Minor');
    return major === null || minor === null ? FALLBACK_VERSION : responseVersion({ major, minor });
  } catch {
    return FALLBACK_VERSION;
  }
}
