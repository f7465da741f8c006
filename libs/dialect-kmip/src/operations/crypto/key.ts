import { specInfo, type SpecInfo } from '@kms/core';
import type { Item } from '../../ttlv';
import { KmipFailure, type KmipCall } from '../operation';
import { kmipBag } from '../objects/bag';
import { uniqueIdentifier } from '../payload';
import type { CryptoParameters } from './parameters';
import { KEY_ALGORITHMS } from './tables';

/** The key a crypto request names, with its spec: the operation's parameters depend on its family. */
export interface CryptoKey {
  id: string;
  info: SpecInfo;
  /** The Cryptographic Algorithm the key was made or registered with over KMIP (HMAC-SHA384 ...), if it was. */
  algorithm?: string;
}

/**
 * Looks the key up through the core (tenant checked there), so that a request which leaves its
 * Cryptographic Parameters out can be served with the key's defaults (key-defaults.ts), and a
 * Cryptographic Algorithm that does not fit the key is refused before the core is asked.
 */
export async function keyOf(call: KmipCall, payload: Item | null, params: CryptoParameters): Promise<CryptoKey> {
  const record = await call.ops.get(call.ctx, uniqueIdentifier(payload, call.placeholder));
  const info = specInfo(record.spec);
  if (params.algorithm !== undefined && !(KEY_ALGORITHMS[info.family] ?? []).includes(params.algorithm)) {
    throw new KmipFailure('Invalid Field', `Cryptographic Algorithm ${params.algorithm} does not fit this ${info.spec} key`);
  }
  const algorithm = kmipBag(record).algorithm;
  return { id: record.id, info, ...(algorithm !== undefined ? { algorithm } : {}) };
}
