import type { KeyRecord } from '@kms/core';
import type { KmipCall } from '../operation';
import { uniqueIdentifier } from '../payload';
import type { Item } from '../../ttlv';

/** The key a payload names (its Unique Identifier, or the ID Placeholder), of the caller's tenant. */
export function targetOf(call: KmipCall, payload: Item | null): Promise<KeyRecord> {
  return call.ops.get(call.ctx, uniqueIdentifier(payload, call.placeholder));
}
