import { oidDer } from './crypto/oid';
import { invalidArgument } from './errors';

/**
 * What a key is. One table drives validation, routing and which operations a key may do, so a
 * dialect never needs its own list of what RSA or X25519 can do.
 */
export type KeyFamily = 'aes' | 'sm4' | 'secret' | 'chacha20' | 'rsa' | 'ec' | 'sm2' | 'ed25519' | 'x25519' | 'ed448' | 'x448' | 'ml-dsa' | 'ml-kem';
export type Curve = 'P-224' | 'P-256' | 'secp256k1' | 'P-384' | 'P-521';
export type KeyUsage = 'encrypt' | 'decrypt' | 'sign' | 'verify' | 'mac' | 'derive' | 'wrap' | 'unwrap';
export const ALL_USAGES: readonly KeyUsage[] = ['encrypt', 'decrypt', 'sign', 'verify', 'mac', 'derive', 'wrap', 'unwrap'];

/** A key's own half: a symmetric secret, a private key (with its public half), or a public key alone. */
export type KeyClass = 'secret' | 'private' | 'public';

export interface SpecInfo {
  readonly spec: string;
  readonly family: KeyFamily;
  /** Key size in bits (modulus for RSA, field size for curves, key length for symmetric keys). */
  readonly bits: number;
  readonly curve?: Curve;
  readonly symmetric: boolean;
  /** Usages a key of this spec may ever have. */
  readonly usages: readonly KeyUsage[];
  /** Usages given when the caller names none. */
  readonly defaultUsages: readonly KeyUsage[];
}

/**
 * THE curve table: every fact about a named curve that code needs, written once. Backends, the core
 * and dialects read it; nothing else spells a curve's OpenSSL name, size or OID.
 */
export interface CurveInfo {
  readonly curve: Curve;
  /** Canonical spec of a key on this curve. */
  readonly spec: string;
  /** OpenSSL's name, as node:crypto takes it and reports it (asymmetricKeyDetails.namedCurve). */
  readonly node: string;
  /** Field size in bits: a key's `bits`, and the EC key size PKCS#11 tokens state. */
  readonly bits: number;
  /** Scalar / coordinate size in bytes. */
  readonly size: number;
  /** The curve's OID, dotted. */
  readonly oid: string;
  /** DER of the OID: SPKI / SEC 1 parameters and PKCS#11 CKA_EC_PARAMS. */
  readonly params: Buffer;
  /** JOSE `crv` (RFC 7518, RFC 8812 for secp256k1); null where JOSE names none. */
  readonly jwkCrv: string | null;
}

function curve(c: Curve, node: string, bits: number, oid: string, jwkCrv: string | null): CurveInfo {
  return { curve: c, spec: `ec-${c.toLowerCase().replace('-', '')}`, node, bits, size: Math.ceil(bits / 8), oid, params: oidDer(oid), jwkCrv };
}

export const CURVES: Readonly<Record<Curve, CurveInfo>> = {
  'P-224': curve('P-224', 'secp224r1', 224, '1.3.132.0.33', null),
  'P-256': curve('P-256', 'prime256v1', 256, '1.2.840.10045.3.1.7', 'P-256'),
  secp256k1: curve('secp256k1', 'secp256k1', 256, '1.3.132.0.10', 'secp256k1'),
  'P-384': curve('P-384', 'secp384r1', 384, '1.3.132.0.34', 'P-384'),
  'P-521': curve('P-521', 'secp521r1', 521, '1.3.132.0.35', 'P-521'),
};
export const CURVE_LIST: readonly CurveInfo[] = Object.values(CURVES);

/** The curve node:crypto reports for a key (its OpenSSL name), or undefined for one we do not name. */
export function curveByNodeName(node: string | undefined): CurveInfo | undefined {
  return CURVE_LIST.find((c) => c.node === node);
}

/** The curve of an EC spec; a programming error for any other family (the core checks families first). */
export function curveOf(spec: SpecInfo): CurveInfo {
  if (!spec.curve) throw new Error(`${spec.spec} is not a key on a named curve`);
  return CURVES[spec.curve];
}

/** id-ecPublicKey: the SPKI / PKCS#8 algorithm of every key on a curve above. */
export const EC_PUBLIC_KEY_OID = '1.2.840.10045.2.1';

/** RFC 8410 curves: the algorithm OID is the whole identifier (no parameters). */
export type OkpFamily = 'ed25519' | 'x25519' | 'ed448' | 'x448';
export interface OkpInfo {
  readonly family: OkpFamily;
  /** JOSE `crv` (RFC 8037) and node:crypto's key type, capitalised. */
  readonly crv: 'Ed25519' | 'X25519' | 'Ed448' | 'X448';
  /** node:crypto's asymmetricKeyType. */
  readonly node: OkpFamily;
  /** Private and public key length in bytes. */
  readonly size: number;
  readonly oid: string;
  /** DER of the OID (also a PKCS#11 CKA_EC_PARAMS for Edwards / Montgomery keys). */
  readonly params: Buffer;
}

function okp(family: OkpFamily, crv: OkpInfo['crv'], size: number, oid: string): OkpInfo {
  return { family, crv, node: family, size, oid, params: oidDer(oid) };
}

export const OKP_CURVES: Readonly<Record<OkpFamily, OkpInfo>> = {
  x25519: okp('x25519', 'X25519', 32, '1.3.101.110'),
  x448: okp('x448', 'X448', 56, '1.3.101.111'),
  ed25519: okp('ed25519', 'Ed25519', 32, '1.3.101.112'),
  ed448: okp('ed448', 'Ed448', 57, '1.3.101.113'),
};

const ENC: KeyUsage[] = ['encrypt', 'decrypt'];
const SIG: KeyUsage[] = ['sign', 'verify'];

const FIXED: SpecInfo[] = [
  // `mac`, never by default: an HMAC with the key's HMAC subkey (MacKeyChoice 'hmac-subkey'), not the key.
  // `derive` on secret keys: PBKDF2 / HMAC key derivation from the stored secret (crypto/secret-kdf.ts).
  ...[128, 192, 256].map((bits) => sym(`aes-${bits}`, 'aes', bits, [...ENC, 'wrap', 'unwrap', 'mac', 'derive'], ENC)),
  sym('sm4-128', 'sm4', 128, ENC, ENC),
  sym('chacha20-poly1305', 'chacha20', 256, [...ENC, 'mac'], ENC),
  ...CURVE_LIST.map((c) => ({
    spec: c.spec,
    family: 'ec' as const,
    bits: c.bits,
    curve: c.curve,
    symmetric: false,
    usages: [...SIG, 'derive'] as KeyUsage[],
    defaultUsages: SIG,
  })),
  asym('ec-sm2', 'sm2', 256, [...SIG, ...ENC], SIG),
  asym('okp-ed25519', 'ed25519', 256, SIG, SIG),
  asym('okp-x25519', 'x25519', 256, ['derive'], ['derive']),
  asym('okp-ed448', 'ed448', 448, SIG, SIG),
  asym('okp-x448', 'x448', 448, ['derive'], ['derive']),
  // ML-DSA / ML-KEM: `bits` is the NIST security category's classical strength.
  asym('ml-dsa-44', 'ml-dsa', 128, SIG, SIG),
  asym('ml-dsa-65', 'ml-dsa', 192, SIG, SIG),
  asym('ml-dsa-87', 'ml-dsa', 256, SIG, SIG),
  // KEM keys: `encrypt` = encapsulate (public half), `decrypt` = decapsulate.
  asym('ml-kem-512', 'ml-kem', 128, ENC, ENC),
  asym('ml-kem-768', 'ml-kem', 192, ENC, ENC),
  asym('ml-kem-1024', 'ml-kem', 256, ENC, ENC),
];

const BY_NAME = new Map(FIXED.map((s) => [s.spec, s]));
const RSA_BITS = { min: 2048, max: 8192 };
/** Generic secrets (HMAC keys, JOSE oct keys, composite AES-CBC-HMAC keys): 8 to 8192 bits. */
const SECRET_BITS = { min: 8, max: 8192 };

export function specInfo(spec: string): SpecInfo {
  const fixed = BY_NAME.get(spec);
  if (fixed) return fixed;
  const m = /^(rsa|secret)-(\d{1,5})$/.exec(spec);
  if (m) {
    const bits = Number(m[2]);
    if (m[1] === 'rsa' && bits >= RSA_BITS.min && bits <= RSA_BITS.max && bits % 8 === 0) {
      const info = asym(spec, 'rsa', bits, [...SIG, ...ENC, 'wrap', 'unwrap'], ENC);
      BY_NAME.set(spec, info);
      return info;
    }
    if (m[1] === 'secret' && bits >= SECRET_BITS.min && bits <= SECRET_BITS.max && bits % 8 === 0) {
      const info = sym(spec, 'secret', bits, ['mac', ...ENC, 'derive'], ['mac']);
      BY_NAME.set(spec, info);
      return info;
    }
  }
  throw invalidArgument(`unknown key spec '${spec}'`, 'spec');
}

export function isKnownSpec(spec: string): boolean {
  try {
    specInfo(spec);
    return true;
  } catch {
    return false;
  }
}

/** The specs with fixed names, plus representative members of the sized families. */
export function listedSpecs(): string[] {
  return [...FIXED.map((s) => s.spec), 'rsa-2048', 'rsa-3072', 'rsa-4096', 'secret-256'];
}

/** The usages a public-key-only record of this spec may have. */
export function publicUsages(info: SpecInfo): KeyUsage[] {
  return info.usages.filter((u) => u === 'verify' || u === 'encrypt' || u === 'wrap' || u === 'derive');
}

export function checkUsages(info: SpecInfo, usages: readonly KeyUsage[], keyClass: KeyClass): void {
  const allowed = keyClass === 'public' ? publicUsages(info) : info.usages;
  for (const u of usages) {
    if (!allowed.includes(u)) throw invalidArgument(`a ${info.spec} ${keyClass} key cannot be used to ${u}`, 'usage');
  }
  if (usages.length === 0) throw invalidArgument('a key needs at least one usage', 'usage');
}

function sym(spec: string, family: KeyFamily, bits: number, usages: KeyUsage[], defaults: KeyUsage[]): SpecInfo {
  return { spec, family, bits, symmetric: true, usages, defaultUsages: defaults };
}
function asym(spec: string, family: KeyFamily, bits: number, usages: KeyUsage[], defaults: KeyUsage[]): SpecInfo {
  return { spec, family, bits, symmetric: false, usages, defaultUsages: defaults };
}
