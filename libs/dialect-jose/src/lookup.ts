import { KmsError, type KeyOperations, type KeyRecord, type OpContext, specInfo, type SpecInfo } from '@kms/core';
import { notFound } from './errors';
import { parseKid } from './kids';

export interface Found {
  record: KeyRecord;
  info: SpecInfo;
  /** The canonical id (the kid without a `_pk` suffix). */
  id: string;
  publicOnly: boolean;
}

/** Finds a key of the caller's tenant by JOSE kid; anything else (another tenant's, none) is 404. */
export async function lookup(keys: KeyOperations, ctx: OpContext, kid: string): Promise<Found> {
  const { id, publicOnly } = parseKid(kid);
  try {
    const record = await keys.get(ctx, id);
    return { record, info: specInfo(record.spec), id, publicOnly };
  } catch (err) {
    if (err instanceof KmsError && err.code === 'NOT_FOUND') throw notFound();
    throw err;
  }
}
