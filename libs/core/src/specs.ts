import { invalidArgument } from './errors';

/**
 * What a key is. One table drives validation, routing and which operations a key may do, so a
 * dialect never needs its own list of what RSA or X25519 can do.
 */
export type KeyFamily = 'aes' | 'sm4' | 'secret' | 'rsa' | 'ec' | 'sm2' | 'ed25519' | 'x25519' | 'ed448' | 'x448' | 'ml-dsa' | 'ml-kem';
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

const ENC: KeyUsage[] = ['encrypt', 'decrypt'];
const SIG: KeyUsage[] = ['sign', 'verify'];

const FIXED: SpecInfo[] = [
  ...[128, 192, 256].map((bits) => sym(`aes-${bits}`, 'aes', bits, [...ENC, 'wrap', 'unwrap'], ENC)),
  sym('sm4-128', 'sm4', 128, ENC, ENC),
  ...(['P-224', 'P-256', 'secp256k1', 'P-384', 'P-521'] as Curve[]).map((curve) => ({
    spec: `ec-${curve.toLowerCase().replace('-', '')}`,
    family: 'ec' as const,
    bits: curve === 'P-521' ? 521 : curve === 'secp256k1' ? 256 : Number(curve.slice(2)),
    curve,
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
      const info = sym(spec, 'secret', bits, ['mac', ...ENC], ['mac']);
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
