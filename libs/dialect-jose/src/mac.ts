import type { KeyOperations, OpContext } from '@kms/core';
import { HMAC, isKnownAlg } from './algorithms';
import { b64url, decodeB64url } from './b64url';
import { type Body, optionalString, requireString } from './body';
import { badRequest, notFound, unsupportedAlg } from './errors';
import { lookup } from './lookup';

/**
 * `POST /v1/crypto/mac` (notes §2.8): HMAC over the decoded `data` bytes; with `mac`, a
 * constant-time verify answering `valid` (a wrong MAC or key is `valid:false`, status 200).
 */
export async function mac(keys: KeyOperations, ctx: OpContext, b: Body) {
  const kid = requireString(b, 'kid');
  const alg = requireString(b, 'alg');
  const dataB64 = requireString(b, 'data');
  const macB64 = optionalString(b, 'mac');
  if (!isKnownAlg(alg)) throw badRequest(`Invalid request body: unknown variant \`${alg}\``);
  const hmac = HMAC[alg];
  if (!hmac) throw unsupportedAlg(`'${alg}' is not a MAC algorithm`);
  const data = decodeB64url(dataB64, 'data');
  const expected = macB64 === undefined ? undefined : decodeB64url(macB64, 'mac');
  const key = await lookup(keys, ctx, kid);
  if (!key.info.symmetric) throw notFound();
  if (expected === undefined) return { kid, mac: b64url(await keys.mac(ctx, key.id, hmac.hash, data)) };
  return { kid, valid: await keys.macVerify(ctx, key.id, hmac.hash, data, expected) };
}
