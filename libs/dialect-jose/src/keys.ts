import type { KeyOperations, OpContext } from '@kms/core';
import { JWE_ALG, JWE_ENC } from './algorithms';
import { decodeB64url } from './b64url';
import { badRequest, cryptoFail, decryptionFailed, notFound, unsupportedAlg } from './errors';
import { headerString, parseProtected } from './header';
import { OptionalString, RequiredString } from './fields';
import { type CreateKeyDto, keyOpsFor, planKey, publicJwk, publicUse } from './jwk';
import { publicKidOf } from './kids';
import { lookup } from './lookup';
import { VERSION_PARAM, queryVersion } from './versions';

/** `POST /v1/crypto/keys`: generate, or import when `k`/`d` is given (notes §2.1). */
export async function createKey(keys: KeyOperations, ctx: OpContext, body: CreateKeyDto) {
  const plan = planKey(body);
  const attributes = { jose: { alg: plan.alg ?? null } };
  const record = plan.material
    ? await keys.import(ctx, { spec: plan.spec, usages: plan.usages, material: plan.material, attributes })
    : await keys.create(ctx, { spec: plan.spec, usages: plan.usages, attributes });
  return {
    kid: record.id,
    kid_public: publicKidOf(record),
    kty: plan.kty,
    ...(plan.alg ? { alg: plan.alg } : {}),
    ...(plan.crv ? { crv: plan.crv } : {}),
    key_ops: keyOpsFor(plan.alg, record),
  };
}

/** `DELETE /v1/crypto/keys/{kid}`: either half's kid destroys the one canonical key (the pair). */
export async function deleteKey(keys: KeyOperations, ctx: OpContext, kid: string): Promise<void> {
  const key = await lookup(keys, ctx, kid);
  await keys.destroy(ctx, key.id);
}

/** `POST /v1/crypto/keys/unwrap` body: a JWE's header and wrapped CEK, and optionally the key's `kid`. */
export class UnwrapDto {
  @RequiredString() protected!: string;
  @RequiredString() encrypted_key!: string;
  @OptionalString() kid?: string | null;
}

/**
 * `POST /v1/crypto/keys/unwrap` (notes §2.3): RSA-OAEP unwrap of a JWE's CEK straight into a new
 * managed key; the CEK is never returned.
 */
export async function unwrapKey(keys: KeyOperations, ctx: OpContext, body: UnwrapDto) {
  const { protected: protectedB64, encrypted_key: ekB64 } = body;
  const header = parseProtected(protectedB64);
  const kid = body.kid ?? headerString(header, 'kid');
  if (kid === undefined) throw badRequest('Protected header is missing `kid` (or give `kid` in the body)');
  const alg = headerString(header, 'alg');
  if (alg === undefined) throw badRequest('Protected header is missing `alg`');
  const mode = JWE_ALG[alg];
  if (!mode) throw unsupportedAlg(`Unsupported algorithm '${alg}'`);
  const encName = headerString(header, 'enc');
  if (encName === undefined) throw badRequest('Protected header is missing `enc`');
  const enc = JWE_ENC[encName];
  if (!enc) throw unsupportedAlg(`Unsupported content encryption '${encName}'`);
  if (mode.kind !== 'rsa' || mode.scheme !== 'RSA-OAEP') throw unsupportedAlg(`Unwrap supports RSA-OAEP and RSA-OAEP-256, not '${alg}'`);
  const encryptedKey = decodeB64url(ekB64, 'encrypted_key');
  if (encryptedKey.length === 0) throw badRequest('Field `encrypted_key` is empty');
  const key = await lookup(keys, ctx, kid);
  if (key.info.family !== 'rsa') throw cryptoFail(`${alg} needs an RSA key`);
  let cek: Buffer;
  try {
    cek = await keys.asymDecrypt(ctx, key.id, { scheme: 'RSA-OAEP', hash: mode.hash }, encryptedKey);
  } catch {
    throw decryptionFailed().afterCoreRow();
  }
  if (cek.length !== enc.keyBytes) throw cryptoFail(`The unwrapped key is ${cek.length * 8} bits; ${encName} needs ${enc.keyBytes * 8}`).afterCoreRow();
  const aes = enc.core === 'AES-GCM';
  const record = await keys.import(ctx, {
    spec: aes ? `aes-${cek.length * 8}` : `secret-${cek.length * 8}`,
    usages: ['encrypt', 'decrypt'],
    material: { kind: 'secret', bytes: cek },
    attributes: { jose: { alg: encName, unwrappedBy: key.id } },
  });
  cek.fill(0);
  return { kid: record.id, kty: 'oct', alg: encName, key_ops: ['encrypt', 'decrypt'] };
}

/**
 * `GET /v1/crypto/keys/{kid}[?kv=N]` (★): the public JWK of the key's current version, or of its
 * kept version N, under its public kid (or its kid for imports), with `kv` saying which version it
 * is. A key without a public half (oct) is not found, as the vendor answers other wrong-class uses.
 */
export async function publicKey(keys: KeyOperations, ctx: OpContext, kid: string, kvRaw: unknown) {
  const version = queryVersion(kvRaw);
  const key = await lookup(keys, ctx, kid);
  if (key.info.symmetric) throw notFound();
  const { record, spki, version: kv } = await keys.getPublicKey(ctx, key.id, version);
  const jwk = publicJwk(spki);
  if (!jwk) throw unsupportedAlg(`JOSE has no public key form for ${record.spec} keys`).afterCoreRow();
  const alg = (record.attributes.jose as { alg?: string | null } | undefined)?.alg ?? undefined;
  return { ...jwk, kid: publicKidOf(record) ?? record.id, [VERSION_PARAM]: kv, ...(alg ? { alg } : {}), ...publicUse(alg, record.usages, jwk.kty) };
}

/** The tenant's public keys as a JWKS, each under its public kid (or its kid for imports), at its current version. */
export async function jwks(keys: KeyOperations, ctx: OpContext) {
  const { keys: records } = await keys.list(ctx);
  const out = [];
  for (const r of records) {
    if (!r.publicKey || r.state !== 'enabled') continue;
    const jwk = publicJwk(r.publicKey);
    if (!jwk) continue;
    const alg = (r.attributes.jose as { alg?: string | null } | undefined)?.alg ?? undefined;
    out.push({ ...jwk, kid: publicKidOf(r) ?? r.id, ...(alg ? { alg } : {}), ...publicUse(alg, r.usages, jwk.kty) });
  }
  return { keys: out };
}
