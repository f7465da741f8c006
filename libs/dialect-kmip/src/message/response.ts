import { OPERATION, RESULT_REASON, RESULT_STATUS, byteString, dateTime, dateTimeOf, encode, enumeration, integer, structure, textString, type Item } from '../ttlv';
import type { ProtocolVersion } from '../operations/operation';

/** One answered batch item. */
export type ResponseItem = {
  operation: number | null;
  batchItemId: Buffer | null;
} & ({ ok: true; payload: Item | null } | { ok: false; reason: string; message: string; payload?: Item | null });

export function responseMessage(version: ProtocolVersion, items: ResponseItem[], now = new Date()): Item {
  return structure('Response Message', [
    structure('Response Header', [
      structure('Protocol Version', [integer('Protocol Version Major', version.major), integer('Protocol Version Minor', version.minor)]),
      dateTime('Time Stamp', dateTimeOf(now)),
      integer('Batch Count', items.length),
    ]),
    ...items.map(batchItem),
  ]);
}

function batchItem(r: ResponseItem): Item {
  const head: Item[] = [
    ...(r.operation !== null ? [enumeration('Operation', r.operation)] : []),
    ...(r.batchItemId !== null ? [byteString('Unique Batch Item ID', r.batchItemId)] : []),
  ];
  if (r.ok) return structure('Batch Item', [...head, enumeration('Result Status', RESULT_STATUS['Success']), ...(r.payload ? [r.payload] : [])]);
  return structure('Batch Item', [
    ...head,
    enumeration('Result Status', RESULT_STATUS['Operation Failed']),
    enumeration('Result Reason', RESULT_REASON[r.reason] ?? RESULT_REASON['General Failure']),
    textString('Result Message', r.message),
    ...(r.payload ? [r.payload] : []),
  ]);
}

/** A whole message refused before any batch item could be read (undecodable, not a request, unknown tenant). */
export function refusalMessage(version: ProtocolVersion, reason: string, message: string, operation: number | null = null): Buffer {
  return encode(responseMessage(version, [{ operation, batchItemId: null, ok: false, reason, message }]));
}

export const isKnownOperation = (code: number): boolean => Object.values(OPERATION).includes(code);
