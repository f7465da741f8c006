import type { KeyOperations, OpContext } from '@kms/core';
import { HMAC, isKnownAlg } from './algorithms';
import { b64url, decodeB64url } from './b64url';
import { notFound, unsupportedAlg } from './errors';
import { OptionalString, RequiredName, RequiredString } from './fields';
import { lookup } from './lookup';

/** `POST /v1/crypto/mac` body: with `mac`, a verify. */
export class MacDto {
  @RequiredString() kid!: string;
  @RequiredName(isKnownAlg) alg!: string;
  @RequiredString() data!: string;
  @OptionalString() mac?: string | null;
}

/**
 * `POST /v1/crypto/mac` (notes §2.8): HMAC over the decoded `data` bytes; with `mac`, a
 * constant-time verify answering `valid` (a wrong MAC or key is `valid:false`, status 200).
 */
export async function mac(keys: KeyOperations, ctx: OpContext, body: MacDto) {
  const { kid, alg, data: dataB64 } = body;
  const macB64 = body.mac ?? undefined;
  const hmac = HMAC[alg];
  if (!hmac) throw unsupportedAlg(`'${alg}' is not a MAC algorithm`);
  const data = decodeB64url(dataB64, 'data');
  const expected = macB64 === undefined ? undefined : decodeB64url(macB64, 'mac');
  const key = await lookup(keys, ctx, kid);
  if (!key.info.symmetric) throw notFound();
  if (expected === undefined) return { kid, mac: b64url(await keys.mac(ctx, key.id, hmac.hash, data)) };
  return { kid, valid: await keys.macVerify(ctx, key.id, hmac.hash, data, expected) };
}
