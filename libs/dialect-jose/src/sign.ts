import type { KeyOperations, OpContext } from '@kms/core';
import { ES_COORD, JWS, isKnownAlg } from './algorithms';
import { b64url, decodeB64url } from './b64url';
import { JoseError, badRequest, cryptoFail, notFound, unsupportedAlg } from './errors';
import { headerString, parseProtected } from './header';
import { publicKidOf } from './kids';
import { OptionalString, RequiredName, RequiredString } from './fields';
import { lookup, type Found } from './lookup';
import { currentVersionOf, namedVersion, versionRef } from './versions';

/** `POST /v1/crypto/sign` body: `data` is the base64url payload, signed as sent. */
export class SignDto {
  @RequiredString() kid!: string;
  @RequiredName(isKnownAlg) alg!: string;
  @RequiredString() data!: string;
}

/** `POST /v1/crypto/verify` body: a detached JWS, and (beyond the vendor) the key's `kid`. */
export class VerifyDto {
  @RequiredString() protected!: string;
  @RequiredString() data!: string;
  @RequiredString() signature!: string;
  @OptionalString() kid?: string | null;
}

/** Signing input: the client's strings verbatim (RFC 7515 §5.1 with a detached payload). */
const signingInput = (protectedB64: string, dataB64: string) => Buffer.from(`${protectedB64}.${dataB64}`, 'ascii');

/** The key must be of the algorithm's family (and curve): otherwise a 422 like the vendor's. */
function checkFit(alg: string, key: Found): void {
  const jws = JWS[alg];
  if (jws.family !== key.info.family) throw cryptoFail(`Key type does not match algorithm ${alg}`);
  if (jws.curve && jws.curve !== key.info.curve) throw cryptoFail(`${alg} needs a ${jws.curve} key`);
  if (jws.spec && jws.spec !== key.info.spec) throw cryptoFail(`${alg} needs a ${jws.spec} key`);
}

/** `POST /v1/crypto/sign` → `{protected, signature}` (notes §2.6). */
export async function sign(keys: KeyOperations, ctx: OpContext, { kid, alg, data: dataB64 }: SignDto) {
  const key = await lookup(keys, ctx, kid);
  // Symmetric keys and public halves cannot sign: the vendor reports them as not found.
  if (key.info.symmetric || key.publicOnly || key.record.keyClass === 'public') throw notFound();
  if (!JWS[alg]) throw unsupportedAlg(`'${alg}' is not a signature algorithm`);
  checkFit(alg, key);
  decodeB64url(dataB64, 'data');
  // The header names the key by its id (an alias may move on) and, once rotated, its version.
  const { ref, member } = currentVersionOf(key);
  const protectedB64 = b64url(JSON.stringify({ alg, kid: publicKidOf(key.record) ?? key.id, ...member }));
  const signature = await keys.sign(ctx, ref, JWS[alg].params, signingInput(protectedB64, dataB64));
  return { protected: protectedB64, signature: b64url(signature) };
}

/**
 * `POST /v1/crypto/verify` → `{kid, valid}` (notes §2.7). Beyond the vendor: a top-level `kid` in
 * the body names the key, so a JWS made elsewhere (another kid in its header, or none, like the
 * RFC examples) is verified unchanged.
 */
export async function verify(keys: KeyOperations, ctx: OpContext, body: VerifyDto) {
  const { protected: protectedB64, data: dataB64, signature: signatureB64 } = body;
  const header = parseProtected(protectedB64);
  const headerKid = headerString(header, 'kid');
  const kid = body.kid ?? headerKid;
  if (kid === undefined) throw badRequest('Protected header is missing `kid` (or give `kid` in the body)');
  const alg = headerString(header, 'alg');
  if (alg === undefined) throw badRequest('Protected header is missing `alg`');
  if (alg === 'none') throw unsupportedAlg("Algorithm 'none' is not allowed");
  const version = namedVersion(header, body.kid, headerKid);
  if (!JWS[alg]) throw unsupportedAlg(`Unsupported signature algorithm '${alg}'`);
  decodeB64url(dataB64, 'data');
  const signature = decodeB64url(signatureB64, 'signature');
  // The vendor answers 500 here; a malformed signature is the client's mistake, so 400.
  if (alg in ES_COORD && (signature.length === 0 || signature.length % 2 !== 0)) throw new JoseError('bad_request', 'Malformed ECDSA signature');
  const key = await lookup(keys, ctx, kid);
  if (key.info.symmetric) throw notFound();
  let valid = false;
  try {
    checkFit(alg, key);
    valid = await keys.verify(ctx, versionRef(key, version), JWS[alg].params, signingInput(protectedB64, dataB64), signature);
  } catch (err) {
    // A key of another type cannot have made this signature: not valid, as a verifier would say.
    if (!(err instanceof JoseError && err.code === 'crypto_failure')) throw err;
  }
  return { kid, valid };
}
