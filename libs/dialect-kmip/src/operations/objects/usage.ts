import { integer, structure, textString } from '../../ttlv';
import { KmipFailure, type OperationHandler } from '../operation';
import { optional, required } from '../payload';
import { kmipBag } from './bag';
import { stateOf } from './state';
import { targetOf } from './target';
import { maskOf } from './usage-mask';

/**
 * Check: whether the key could serve the usage mask given (a key the core would refuse fails
 * here first). Usage limits and leases are not kept by this server, so a Usage Limits Count or
 * Lease Time is accepted as it is.
 */
export const check: OperationHandler = async (call, payload) => {
  const record = await targetOf(call, payload);
  const mask = optional(payload, 'Cryptographic Usage Mask', 'Integer')?.value;
  const has = kmipBag(record).mask ?? maskOf(record.usages, record.exportable);
  // A failed Check answers the Unique Identifier and the field that failed (KMIP 1.4 section 4.10).
  const failed = () => structure('Response Payload', [textString('Unique Identifier', record.id), integer('Cryptographic Usage Mask', mask ?? 0)]);
  if (mask !== undefined && (has & mask) !== mask) {
    throw new KmipFailure('Illegal Operation', `the key's Cryptographic Usage Mask (0x${has.toString(16)}) does not allow 0x${(mask & ~has).toString(16)}`, failed());
  }
  const state = stateOf(record);
  if (mask !== undefined && state !== 'Active') throw new KmipFailure('Illegal Operation', `the key is ${state}`, failed());
  return { payload: structure('Response Payload', [textString('Unique Identifier', record.id)]), uniqueIdentifier: record.id };
};

/**
 * Get Usage Allocation: granted as asked. This server keeps no usage limits (docs/kmip.md), so
 * an allocation never runs out; the key must exist and be the caller's.
 */
export const getUsageAllocation: OperationHandler = async (call, payload) => {
  const record = await targetOf(call, payload);
  const count = required(payload, 'Usage Limits Count', 'LongInteger').value;
  if (count <= 0n) throw new KmipFailure('Invalid Field', 'Usage Limits Count is positive');
  return { payload: structure('Response Payload', [textString('Unique Identifier', record.id)]), uniqueIdentifier: record.id };
};
