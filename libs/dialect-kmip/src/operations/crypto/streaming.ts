import type { Item } from '../../ttlv';
import { KmipFailure } from '../operation';
import { optional } from '../payload';

/**
 * Multi-part operations (KMIP 1.3 streaming: Correlation Value, Init Indicator, Final Indicator)
 * would keep a cipher's state between requests; this server does every operation in one request.
 * A request that is both the first and the last part is one whole operation and is served.
 */
export function refuseStreaming(payload: Item | null): void {
  const correlation = optional(payload, 'Correlation Value', 'ByteString');
  const init = optional(payload, 'Init Indicator', 'Boolean')?.value;
  const final = optional(payload, 'Final Indicator', 'Boolean')?.value;
  const whole = (init === undefined && final === undefined) || (init === true && final === true);
  if (correlation !== undefined || !whole) throw new KmipFailure('Feature Not Supported', 'multi-part (streaming) cryptographic operations are not supported');
}
