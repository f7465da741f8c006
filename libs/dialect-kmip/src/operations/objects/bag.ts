import type { KeyOperations, KeyRecord, OpContext } from '@kms/core';

/**
 * What KMIP knows of a key beyond the core's record, kept in the record's dialect attributes under
 * `kmip`: the KMIP state within the core's `disabled`, the dates KMIP names, the object type of
 * Secret Data, the algorithm name a client chose (EC or ECDSA), links between the halves of a
 * pair, and the client's custom (`x-`) attributes as encoded TTLV (base64).
 */
export interface KmipBag {
  state?: 'Pre-Active' | 'Deactivated' | 'Compromised';
  activationDate?: number;
  deactivationDate?: number;
  compromiseDate?: number;
  objectType?: 'Secret Data';
  secretDataType?: number;
  /** Secret Data only: the usage mask as registered (the core's secret keys know MAC usages only). */
  mask?: number;
  algorithm?: string;
  links?: { type: string; id: string }[];
  custom?: Record<string, string[]>;
}

export const kmipBag = (record: KeyRecord): KmipBag => (record.attributes.kmip as KmipBag | undefined) ?? {};

/** Writes the bag back whole (the core merges attributes one level deep). */
export function saveBag(ops: KeyOperations, ctx: OpContext, record: KeyRecord, change: (bag: KmipBag) => KmipBag): Promise<KeyRecord> {
  return ops.updateAttributes(ctx, record.id, { kmip: change({ ...kmipBag(record) }) });
}
