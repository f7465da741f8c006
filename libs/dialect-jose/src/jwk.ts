import { createPrivateKey, createPublicKey, type JsonWebKey } from 'node:crypto';
import { type KeyMaterial, type KeyRecord, type KeyUsage, ecPublicPoint, rsaKeyIsConsistent } from '@kms/core';
import { HMAC, JWE_ALG, JWE_ENC, JWS, byName, type JweAlg } from './algorithms';
import { decodeB64url } from './b64url';
import { badRequest } from './errors';
import { OptionalString, OptionalUint, RequiredString } from './fields';

/** `POST /v1/crypto/keys` body: what to generate, or (with `k` or `d`) the JWK to import. */
export class CreateKeyDto {
  @RequiredString() kty!: string;
  @OptionalString() alg?: string | null;
  @OptionalString() crv?: string | null;
  @OptionalUint() bits?: number | null;
  @OptionalString() k?: string | null;
  @OptionalString() d?: string | null;
  @OptionalString() x?: string | null;
  @OptionalString() y?: string | null;
  @OptionalString() n?: string | null;
  @OptionalString() e?: string | null;
  @OptionalString() p?: string | null;
  @OptionalString() q?: string | null;
  @OptionalString() dp?: string | null;
  @OptionalString() dq?: string | null;
  @OptionalString() qi?: string | null;
}

/**
 * `POST /v1/crypto/keys` request → what to create in the core (notes §2.1). Import mode when `k`
 * or `d` is present; `alg` must suit `kty`; every refusal is a 400 like the vendor's.
 */
export interface KeyPlan {
  spec: string;
  usages: KeyUsage[];
  material?: KeyMaterial;
  kty: string;
  alg?: string;
  crv?: string;
}

const ALGS_FOR_KTY = byName<(alg: string) => boolean>({
  oct: (a) => a in HMAC || a in JWE_ENC || a === 'dir' || JWE_ALG[a]?.kind === 'kw',
  EC: (a) => JWS[a]?.family === 'ec' || JWE_ALG[a]?.kind === 'ecdh',
  RSA: (a) => JWS[a]?.family === 'rsa' || JWE_ALG[a]?.kind === 'rsa',
  OKP: (a) => a === 'EdDSA' || a === 'MLDSA44' || JWE_ALG[a]?.kind === 'ecdh',
});

const EC_SPECS = byName({ 'P-256': 'ec-p256', 'P-384': 'ec-p384', 'P-521': 'ec-p521' });
const NODE_CURVES = byName({ 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' });
const RSA_USAGES: KeyUsage[] = ['sign', 'verify', 'encrypt', 'decrypt', 'wrap', 'unwrap'];
const MATERIAL_FIELDS = ['k', 'd', 'x', 'y', 'n', 'e', 'p', 'q', 'dp', 'dq', 'qi'] as const satisfies readonly (keyof CreateKeyDto)[];

/**
 * What a key made for a JOSE `alg` may do: that algorithm's kind of operation only (one key, one
 * use: RFC 7517 §4.2), so that the JWKS publishes an encryption key as `enc` and the core refuses
 * to sign with it. Any alg of the same kind still works with the key (the vendor does not bind the
 * alg: an RS256 key signs PS384). Without `alg`, a key keeps all its family can do.
 */
const USAGES_OF_ROLE: Record<'sig' | JweAlg['kind'], KeyUsage[] | null> = {
  sig: ['sign', 'verify'],
  rsa: ['encrypt', 'decrypt', 'wrap', 'unwrap'],
  ecdh: ['derive'],
  kw: null,
  dir: null,
};

function usagesFor(alg: string | undefined, all: KeyUsage[]): KeyUsage[] {
  if (alg === undefined) return all;
  const role = alg in JWS ? 'sig' : JWE_ALG[alg]?.kind;
  return (role && USAGES_OF_ROLE[role]) || all;
}

export function planKey(body: CreateKeyDto): KeyPlan {
  const kty = body.kty;
  const alg = body.alg ?? undefined;
  const crv = body.crv ?? undefined;
  const bits = body.bits ?? undefined;
  const jwk: Record<string, string> = {};
  for (const f of MATERIAL_FIELDS) {
    const v = body[f];
    if (v !== undefined && v !== null) jwk[f] = v;
  }
  const fits = ALGS_FOR_KTY[kty];
  if (!fits) throw badRequest(`Unsupported key type '${kty}'`);
  if (alg !== undefined && !fits(alg)) throw badRequest(`Algorithm '${alg}' does not suit key type '${kty}'`);
  const importing = jwk.k !== undefined || jwk.d !== undefined;
  switch (kty) {
    case 'oct':
      return planOct(alg, importing ? decodeB64url(jwk.k ?? '', 'k') : undefined);
    case 'EC':
      return planEc(alg, crv, importing ? jwk : undefined);
    case 'RSA':
      return planRsa(alg, bits, importing ? jwk : undefined);
    default:
      return planOkp(alg, crv, importing ? jwk : undefined);
  }
}

function planOct(alg: string | undefined, k: Buffer | undefined): KeyPlan {
  if (!alg) throw badRequest('Field `alg` is required for oct keys');
  if (k !== undefined && k.length === 0) throw badRequest('Field `k` is required to import an oct key');
  const base = { kty: 'oct', alg };
  const hmac = HMAC[alg];
  if (hmac) {
    if (k && (k.length < hmac.minKeyBytes || k.length > 4096)) throw badRequest(`An ${alg} key must be ${hmac.minKeyBytes} to 4096 bytes`);
    const bytes = k?.length ?? hmac.minKeyBytes;
    return { ...base, spec: `secret-${bytes * 8}`, usages: ['mac'], material: k && { kind: 'secret', bytes: k } };
  }
  const enc = JWE_ENC[alg];
  const kw = JWE_ALG[alg]?.kind === 'kw' ? (JWE_ALG[alg] as { kekBytes: number }).kekBytes : undefined;
  let size = enc?.keyBytes ?? kw;
  if (alg === 'dir') {
    if (!k) throw badRequest("Cannot infer key size from alg 'dir'");
    size = k.length;
  }
  if (k && k.length !== size) throw badRequest(`An ${alg} key must be ${size} bytes`);
  const aes = size === 16 || size === 24 || size === 32;
  if (!aes && !(size === 48 || size === 64)) throw badRequest(`A ${alg} key cannot be ${size} bytes`);
  // AES keys also do AES key wrap; longer secrets are AES-CBC-HMAC composite keys.
  return {
    ...base,
    spec: aes ? `aes-${size * 8}` : `secret-${size * 8}`,
    usages: aes ? ['encrypt', 'decrypt', 'wrap', 'unwrap'] : ['encrypt', 'decrypt'],
    material: k && { kind: 'secret', bytes: k },
  };
}

function planEc(alg: string | undefined, crv: string | undefined, jwk?: Record<string, string>): KeyPlan {
  if (!crv) throw badRequest('Field `crv` is required for EC keys');
  const spec = EC_SPECS[crv];
  if (!spec) throw badRequest(`Unsupported curve '${crv}'`);
  const want = alg && JWS[alg]?.curve;
  if (want && want !== crv) throw badRequest(`Algorithm '${alg}' needs curve ${want}`);
  const plan: KeyPlan = { kty: 'EC', alg, crv, spec, usages: usagesFor(alg, ['sign', 'verify', 'derive']) };
  if (!jwk) return plan;
  if (!jwk.d) throw badRequest('Field `d` is required to import an EC key');
  return { ...plan, material: { kind: 'pkcs8', der: ecPkcs8(crv, jwk) } };
}

/** Builds the private key from `d` alone and checks `x`/`y` against it when given. */
function ecPkcs8(crv: string, jwk: Record<string, string>): Buffer {
  const d = decodeB64url(jwk.d, 'd');
  try {
    const pub = ecPublicPoint(NODE_CURVES[crv], d);
    const size = (pub.length - 1) / 2;
    const x = pub.subarray(1, 1 + size).toString('base64url');
    const y = pub.subarray(1 + size).toString('base64url');
    if ((jwk.x !== undefined && jwk.x !== x) || (jwk.y !== undefined && jwk.y !== y)) throw new Error('mismatch');
    return createPrivateKey({ key: { kty: 'EC', crv, d: jwk.d, x, y }, format: 'jwk' }).export({ format: 'der', type: 'pkcs8' });
  } catch {
    throw badRequest('Invalid EC private key: d, x and y do not form a valid key on the curve');
  }
}

function planRsa(alg: string | undefined, bits: number | undefined, jwk?: Record<string, string>): KeyPlan {
  const plan = { kty: 'RSA', alg, usages: usagesFor(alg, RSA_USAGES) };
  if (!jwk) {
    const size = bits ?? 2048;
    if (size < 2048) throw badRequest('RSA keys must be at least 2048 bits');
    if (size > 8192 || size % 8 !== 0) throw badRequest('RSA key size must be a multiple of 8 up to 8192 bits');
    return { ...plan, spec: `rsa-${size}` };
  }
  for (const f of ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi']) {
    if (jwk[f] === undefined) throw badRequest(`Field \`${f}\` is required to import an RSA key`);
    decodeB64url(jwk[f], f);
  }
  let der: Buffer;
  let modulusBits: number;
  try {
    const key = createPrivateKey({ key: { kty: 'RSA', ...jwk } as JsonWebKey, format: 'jwk' });
    modulusBits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    der = key.export({ format: 'der', type: 'pkcs8' });
    if (!rsaKeyIsConsistent(key)) throw new Error('inconsistent');
  } catch {
    throw badRequest('Invalid RSA private key');
  }
  if (modulusBits < 2048) throw badRequest('RSA keys must be at least 2048 bits');
  const e = BigInt(`0x${Buffer.from(jwk.e, 'base64url').toString('hex') || '0'}`);
  if (e < 3n || e % 2n === 0n) throw badRequest('The RSA public exponent must be odd and at least 3');
  return { ...plan, spec: `rsa-${modulusBits}`, material: { kind: 'pkcs8', der } };
}

const OKP_CURVES = byName<{ spec: string; usages: KeyUsage[]; prefix: string }>({
  Ed25519: { spec: 'okp-ed25519', usages: ['sign', 'verify'], prefix: '302e020100300506032b657004220420' },
  X25519: { spec: 'okp-x25519', usages: ['derive'], prefix: '302e020100300506032b656e04220420' },
});

function planOkp(alg: string | undefined, crv: string | undefined, jwk?: Record<string, string>): KeyPlan {
  if (alg === 'MLDSA44') {
    if (jwk) throw badRequest('Importing ML-DSA keys is not supported');
    return { kty: 'OKP', alg, crv, spec: 'ml-dsa-44', usages: ['sign', 'verify'] };
  }
  const ecdh = alg !== undefined && JWE_ALG[alg]?.kind === 'ecdh';
  // Ed25519 is the vendor's default; an ECDH-ES key (beyond the vendor) can only be X25519.
  const curve = crv ?? (ecdh ? 'X25519' : 'Ed25519');
  const t = OKP_CURVES[curve];
  if (!t) throw badRequest(`Unsupported curve '${curve}'`);
  if (alg === 'EdDSA' && curve !== 'Ed25519') throw badRequest('EdDSA needs curve Ed25519');
  if (ecdh && curve !== 'X25519') throw badRequest(`${alg} needs curve X25519 (or an EC key)`);
  const plan: KeyPlan = { kty: 'OKP', alg, crv: curve, spec: t.spec, usages: usagesFor(alg, t.usages) };
  if (!jwk) return plan;
  const d = decodeB64url(jwk.d ?? '', 'd');
  if (d.length !== 32) throw badRequest(`An ${curve} private key is 32 bytes`);
  const der = Buffer.concat([Buffer.from(t.prefix, 'hex'), d]);
  if (jwk.x !== undefined) {
    const x = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({ format: 'jwk' }).x;
    if (x !== jwk.x) throw badRequest('Field `x` does not match the private key');
  }
  return { ...plan, material: { kind: 'pkcs8', der } };
}

/** `key_ops` as the vendor reports it: by alg, else sign/verify for asymmetric keys. */
export function keyOpsFor(alg: string | undefined, record: KeyRecord): string[] {
  if (alg) return alg in JWS || alg in HMAC ? ['sign', 'verify'] : ['encrypt', 'decrypt'];
  if (record.usages.includes('mac') || record.usages.includes('sign')) return ['sign', 'verify'];
  return ['encrypt', 'decrypt'];
}

/**
 * `use` and `key_ops` of a key's public JWK in the JWKS (RFC 7517 §4.2, §4.3). The key's JOSE
 * `alg` decides; else its usages (a key without alg, or made by another dialect): one that can sign
 * is a signing key, as the vendor's `key_ops` default for asymmetric keys says, anything else is an
 * encryption key. The usages alone would misfile the keys made before they followed `alg`.
 */
export function publicUse(alg: string | undefined, usages: readonly KeyUsage[], kty: string | undefined): { use: 'sig' | 'enc'; key_ops?: string[] } {
  const sig = alg !== undefined && (alg in JWS || alg in JWE_ALG) ? alg in JWS : usages.includes('sign');
  if (sig) return { use: 'sig', key_ops: ['verify'] };
  const ops = PUBLIC_ENC_OPS[kty ?? ''];
  return ops ? { use: 'enc', key_ops: ops } : { use: 'enc' };
}

/**
 * What the public half of an encryption key does, by key type: an RSA public key encrypts a JWE's
 * CEK ("wrapKey", which jose checks for RSA-OAEP) or data. An ECDH-ES public key gets no key_ops:
 * the sender derives with its own ephemeral private key, so WebCrypto gives an ECDH public key no
 * usages and refuses to import one whose key_ops name any (jose and browsers could not use it).
 */
const PUBLIC_ENC_OPS = byName({ RSA: ['encrypt', 'wrapKey'] });

/** The public JWK of a key, for JWKS and ECDH-ES `epk`; null when JOSE has no form for it. */
export function publicJwk(spki: Buffer): JsonWebKey | null {
  try {
    return createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ format: 'jwk' });
  } catch {
    return null;
  }
}
