import { KmsError, type KeyOperations, type KeyRecord, type OpContext, specInfo, type SpecInfo } from '@kms/core';
import { badRequest, notFound } from './errors';
import { parseKid } from './kids';

export interface Found {
  record: KeyRecord;
  info: SpecInfo;
  /** The key's id: the kid without a `_pk` suffix, or the key an alias of the tenant names. */
  id: string;
  publicOnly: boolean;
}

/**
 * A key made through this dialect for one content encryption (`alg: A256GCM`) and asked for
 * another construction — `dir` with `enc: A128CBC-HS256` (the same 32 bytes), or as an AES-KW KEK
 * — is 400, the vendor's answer to both requests (its test_jose.sh A7 and A8). One key never
 * serves two constructions. Keys made elsewhere (no JOSE content `alg`) are judged by size alone.
 */
export function checkMadeFor(key: Found, wantedCore: string, what: string, made: Record<string, { core: string }>): void {
  const alg = (key.record.attributes.jose as { alg?: unknown } | undefined)?.alg;
  const was = typeof alg === 'string' && Object.hasOwn(made, alg) ? made[alg] : undefined;
  if (was && was.core !== wantedCore) throw badRequest(`The key was made for ${alg as string}; ${what} needs a key made for it`);
}

/**
 * Finds a key of the caller's tenant by JOSE kid: a key id, or an alias of the tenant (the core's
 * alias table, `npm run cli -- key alias set`), either with `_pk` for the public half. Operations
 * then name the key by its id, so one request uses one key even if the alias moves meanwhile.
 * Anything else (another tenant's, none) is 404.
 */
export async function lookup(keys: KeyOperations, ctx: OpContext, kid: string): Promise<Found> {
  const { id, publicOnly } = parseKid(kid);
  try {
    const record = await keys.get(ctx, id);
    return { record, info: specInfo(record.spec), id: record.id, publicOnly };
  } catch (err) {
    if (err instanceof KmsError && err.code === 'NOT_FOUND') throw notFound();
    throw err;
  }
}
