import { KmsError, type KeyOperations, type KeyRecord, type OpContext } from '@kms/core';
import { STATUS_OF } from './errors';
import { hem } from './hem-error';

/**
 * A key record of the caller's tenant. `get` writes no audit row of its own, so a refusal here
 * (unknown KID → 406) is the dialect's, and its row is due.
 */
export async function findKey(keys: KeyOperations, ctx: OpContext, kid: string, uuid: string | null): Promise<KeyRecord> {
  if (!uuid) throw hem(406, 'kid');
  try {
    return await keys.get(ctx, uuid);
  } catch (err) {
    if (err instanceof KmsError && err.code !== 'INTERNAL') throw hem(STATUS_OF[err.code], `kid ${kid}`, err.code);
    throw err;
  }
}
