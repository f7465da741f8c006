import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import { EC_PUBLIC_KEY_OID, OKP_CURVES, curveOf, listedSpecInfos, oidDer, specNames, type KeyFamily, type SpecInfo } from '@kms/core';
import { bitString, leftPad, octets, readTlv, seq, tlv, unwrapEcPoint } from './der';
import { CKK_EC_EDWARDS, CKM_EC_EDWARDS_KEY_PAIR_GEN, hmacHashes, offers, type TokenMechanisms } from './mechanisms';

const F = pkcs11js;
type Template = pkcs11js.Template;

/**
 * THE key-family table of this backend: for each canonical family, whether a token key can hold
 * it and, if so, its object templates, how key values go in (import) and come out (export, SPKI),
 * and which mechanisms the token must offer. Families without a row are never held, and say why:
 * that is the part of the capability matrix no token changes (test/support/backend.ts reads it).
 */
export type FamilyRow = Unheld | SecretRow | PairRow;

interface Unheld {
  held: false;
  why: string;
}

/** A secret-key object (CKO_SECRET_KEY). */
export interface SecretRow {
  held: true;
  kind: 'secret';
  keyType: number;
  keyGen: number;
  usage: Template;
  holds(t: TokenMechanisms, spec: SpecInfo): boolean;
}

/** A key pair: a private-key object and a public-key object under one CKA_ID. */
export interface PairRow {
  held: true;
  kind: 'pair';
  keyType: number;
  keyGen: number;
  /** Does a node:crypto private key (imported material) fit the spec exactly? */
  fits(spec: SpecInfo, key: KeyObject): boolean;
  holds(t: TokenMechanisms, spec: SpecInfo): boolean;
  /** Domain attributes of the public object (the curve), and what C_GenerateKeyPair needs besides. */
  domain(spec: SpecInfo): Template;
  generationExtras(spec: SpecInfo): Template;
  pubUsage: Template;
  privUsage: Template;
  /** The public object's values (CKA_MODULUS... / CKA_EC_POINT), from a public key. */
  publicValues(spec: SpecInfo, pub: KeyObject): Template;
  /** The private object's values, from a checked private key. */
  privateValues(spec: SpecInfo, key: KeyObject): Template;
  /** Attributes read to rebuild the public key, and the SPKI built from their values. */
  publicAttrs: number[];
  spkiFrom(spec: SpecInfo, values: Buffer[]): Buffer;
  /** Attributes read to export the private key, and the PKCS#8 built from them (and the public key). */
  privateAttrs: number[];
  pkcs8From(spec: SpecInfo, values: Buffer[], pub: KeyObject): Buffer;
}

const RSA_PRIVATE_JWK = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const;
const RSA_PRIVATE_ATTRS = [F.CKA_MODULUS, F.CKA_PUBLIC_EXPONENT, F.CKA_PRIVATE_EXPONENT, F.CKA_PRIME_1, F.CKA_PRIME_2, F.CKA_EXPONENT_1, F.CKA_EXPONENT_2, F.CKA_COEFFICIENT];
const ED25519 = OKP_CURVES.ed25519;

const jwkValue = (v: string | undefined) => Buffer.from(v ?? '', 'base64url');
const attrs = (types: number[], values: Buffer[]): Template => types.map((type, i) => ({ type, value: values[i] ?? Buffer.alloc(0) }));

const RSA: PairRow = {
  held: true,
  kind: 'pair',
  keyType: F.CKK_RSA,
  keyGen: F.CKM_RSA_PKCS_KEY_PAIR_GEN,
  fits: (spec, key) => key.asymmetricKeyType === 'rsa' && key.asymmetricKeyDetails?.modulusLength === spec.bits,
  holds: (t, spec) => offers(t, 'RSA-KEYGEN', spec.bits) && (offers(t, 'RSA-PKCS1-SIGN', spec.bits) || offers(t, 'RSA-PSS', spec.bits)),
  domain: () => [],
  generationExtras: (spec) => [
    { type: F.CKA_MODULUS_BITS, value: spec.bits },
    { type: F.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
  ],
  pubUsage: usage(F.CKA_ENCRYPT, F.CKA_VERIFY, F.CKA_WRAP),
  privUsage: usage(F.CKA_DECRYPT, F.CKA_SIGN, F.CKA_UNWRAP),
  publicValues: (_, pub) => {
    const j = pub.export({ format: 'jwk' });
    return attrs([F.CKA_MODULUS, F.CKA_PUBLIC_EXPONENT], [jwkValue(j.n), jwkValue(j.e)]);
  },
  privateValues: (_, key) => {
    const j = key.export({ format: 'jwk' });
    return attrs(
      RSA_PRIVATE_ATTRS,
      RSA_PRIVATE_JWK.map((n) => jwkValue(j[n])),
    );
  },
  publicAttrs: [F.CKA_MODULUS, F.CKA_PUBLIC_EXPONENT],
  spkiFrom: (_, [n, e]) => createPublicKey({ key: { kty: 'RSA', n: b64u(n), e: b64u(e) }, format: 'jwk' }).export({ format: 'der', type: 'spki' }),
  privateAttrs: RSA_PRIVATE_ATTRS,
  pkcs8From: (_, values) => {
    const jwk = Object.fromEntries([['kty', 'RSA'], ...RSA_PRIVATE_JWK.map((n, i) => [n, b64u(values[i])])]) as JsonWebKey;
    return createPrivateKey({ key: jwk, format: 'jwk' }).export({ format: 'der', type: 'pkcs8' });
  },
};

const EC: PairRow = {
  held: true,
  kind: 'pair',
  keyType: F.CKK_EC,
  keyGen: F.CKM_EC_KEY_PAIR_GEN,
  fits: (spec, key) => key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === curveOf(spec).node,
  holds: (t, spec) => offers(t, 'EC-KEYGEN', spec.bits) && offers(t, 'ECDSA', spec.bits) && spec.curve !== undefined && t.curves.has(spec.curve),
  domain: (spec) => [{ type: F.CKA_EC_PARAMS, value: curveOf(spec).params }],
  generationExtras: () => [],
  pubUsage: usage(F.CKA_VERIFY),
  privUsage: usage(F.CKA_SIGN, F.CKA_DERIVE),
  publicValues: (spec, pub) => [{ type: F.CKA_EC_POINT, value: octets(ecPoint(spec, pub)) }],
  privateValues: (spec, key) => {
    const curve = curveOf(spec);
    // SEC 1 ECPrivateKey: SEQUENCE { version, privateKey OCTET STRING, ... } (JWK would not do P-224).
    const sec1 = readTlv(key.export({ format: 'der', type: 'sec1' }));
    const version = readTlv(sec1.value);
    const scalar = readTlv(sec1.value, version.end);
    return [
      { type: F.CKA_EC_PARAMS, value: curve.params },
      { type: F.CKA_VALUE, value: leftPad(Buffer.from(scalar.value), curve.size) },
    ];
  },
  publicAttrs: [F.CKA_EC_POINT],
  // Built as DER rather than JWK: node cannot take P-224 keys as JWK.
  spkiFrom: (spec, [point]) => canonicalSpki(seq(seq(oidDer(EC_PUBLIC_KEY_OID), curveOf(spec).params), bitString(unwrapEcPoint(point ?? Buffer.alloc(0))))),
  privateAttrs: [F.CKA_VALUE],
  pkcs8From: (spec, [value], pub) => {
    const curve = curveOf(spec);
    const sec1 = seq(tlv(0x02, Buffer.from([1])), octets(leftPad(value ?? Buffer.alloc(0), curve.size)), tlv(0xa0, curve.params), tlv(0xa1, bitString(ecPoint(spec, pub))));
    return createPrivateKey({ key: sec1, format: 'der', type: 'sec1' }).export({ format: 'der', type: 'pkcs8' });
  },
};

const EDDSA: PairRow = {
  held: true,
  kind: 'pair',
  keyType: CKK_EC_EDWARDS,
  keyGen: CKM_EC_EDWARDS_KEY_PAIR_GEN,
  fits: (_, key) => key.asymmetricKeyType === 'ed25519',
  holds: (t) => offers(t, 'EDWARDS-KEYGEN') && offers(t, 'EdDSA') && t.curves.has('Ed25519'),
  domain: () => [{ type: F.CKA_EC_PARAMS, value: ED25519.params }],
  generationExtras: () => [],
  pubUsage: usage(F.CKA_VERIFY),
  privUsage: usage(F.CKA_SIGN),
  publicValues: (_, pub) => [{ type: F.CKA_EC_POINT, value: octets(spkiTail(pub, ED25519.size)) }],
  privateValues: (_, key) => [
    { type: F.CKA_EC_PARAMS, value: ED25519.params },
    { type: F.CKA_VALUE, value: jwkValue(key.export({ format: 'jwk' }).d) },
  ],
  publicAttrs: [F.CKA_EC_POINT],
  spkiFrom: (_, [point]) => canonicalSpki(seq(seq(ED25519.params), bitString(unwrapEcPoint(point ?? Buffer.alloc(0))))),
  privateAttrs: [F.CKA_VALUE],
  // RFC 8410 OneAsymmetricKey v1: SEQUENCE { 0, AlgorithmIdentifier, OCTET STRING { OCTET STRING seed } }.
  pkcs8From: (_, [value]) => seq(tlv(0x02, Buffer.from([0])), seq(ED25519.params), octets(octets(value ?? Buffer.alloc(0)))),
};

export const KEY_FAMILIES: Readonly<Record<KeyFamily, FamilyRow>> = {
  aes: {
    held: true,
    kind: 'secret',
    keyType: F.CKK_AES,
    keyGen: F.CKM_AES_KEY_GEN,
    usage: usage(F.CKA_ENCRYPT, F.CKA_DECRYPT, F.CKA_WRAP, F.CKA_UNWRAP),
    holds: (t, spec) => offers(t, 'AES-KEYGEN', spec.bits) && offers(t, 'AES-GCM', spec.bits),
  },
  secret: {
    held: true,
    kind: 'secret',
    keyType: F.CKK_GENERIC_SECRET,
    keyGen: F.CKM_GENERIC_SECRET_KEY_GEN,
    usage: usage(F.CKA_SIGN, F.CKA_VERIFY),
    holds: (t, spec) => offers(t, 'GENERIC-SECRET-KEYGEN', spec.bits) && hmacHashes(t, spec.bits).length > 0,
  },
  rsa: RSA,
  ec: EC,
  ed25519: EDDSA,
  sm4: { held: false, why: 'no SM4 mechanism' },
  chacha20: { held: false, why: 'no ChaCha20-Poly1305 mechanism' },
  sm2: { held: false, why: 'no SM2 mechanism' },
  // Needs CKM_EC_MONTGOMERY_KEY_PAIR_GEN and ECDH on Montgomery keys; not implemented here.
  x25519: { held: false, why: 'no EC-Montgomery key generation or derive' },
  x448: { held: false, why: 'no EC-Montgomery key generation or derive' },
  ed448: { held: false, why: 'Ed448 is not in the backend mechanism table' },
  'ml-dsa': { held: false, why: 'no ML-DSA mechanism' },
  'ml-kem': { held: false, why: 'no ML-KEM mechanism' },
};

/** May a key of `spec` be made on a token that offers `t`? */
export function tokenHolds(t: TokenMechanisms, spec: SpecInfo): boolean {
  const row = KEY_FAMILIES[spec.family];
  return row.held && row.holds(t, spec);
}

/** Spec names (sized families as `rsa-*`, `secret-*`) a token that offers `t` can hold, for capabilities(). */
export function tokenSpecs(t: TokenMechanisms): string[] {
  return specNames(listedSpecInfos().filter((s) => tokenHolds(t, s)));
}

/**
 * Specs no token can give this backend, and why: the families without a row. What a particular
 * token lacks besides (a curve, a key size) is in its computed capabilities.
 */
export function specsNeverHeld(): Record<string, string> {
  return Object.fromEntries(
    listedSpecInfos().flatMap((s) => {
      const row = KEY_FAMILIES[s.family];
      return row.held ? [] : [[s.spec, row.why]];
    }),
  );
}

/** The uncompressed point 04||x||y of an EC public key: the end of its node-made SPKI. */
export function ecPoint(spec: SpecInfo, key: KeyObject): Buffer {
  return spkiTail(key, 1 + 2 * curveOf(spec).size);
}

function spkiTail(key: KeyObject, size: number): Buffer {
  return Buffer.from(key.export({ format: 'der', type: 'spki' }).subarray(-size));
}

/** Parsed by node, so a point off the curve is refused here. */
function canonicalSpki(der: Buffer): Buffer {
  return createPublicKey({ key: der, format: 'der', type: 'spki' }).export({ format: 'der', type: 'spki' });
}

function usage(...types: number[]): Template {
  return types.map((type) => ({ type, value: true }));
}

function b64u(v: Buffer | undefined): string {
  return (v ?? Buffer.alloc(0)).toString('base64url');
}

// ---- templates -----------------------------------------------------------------------------

/** What identifies a key's objects on the token: CKA_ID (the key id's 16 bytes) and a label. */
export interface KeyIdentity {
  ckaId: Buffer;
  label: string;
}

/**
 * Token objects (CKA_TOKEN), private to the logged-in user. The secret half is CKA_SENSITIVE and
 * not CKA_EXTRACTABLE, unless the key was made exportable (then it can be read for re-homing).
 */
function common(k: KeyIdentity): Template {
  return [
    { type: F.CKA_TOKEN, value: true },
    { type: F.CKA_ID, value: k.ckaId },
    { type: F.CKA_LABEL, value: k.label },
  ];
}
function secretHalf(exportable: boolean): Template {
  return [
    { type: F.CKA_PRIVATE, value: true },
    { type: F.CKA_SENSITIVE, value: !exportable },
    { type: F.CKA_EXTRACTABLE, value: exportable },
  ];
}

/** A secret key's template: with its value (import), its length (generation) or neither (unwrap). */
export function secretKeyTemplate(row: SecretRow, spec: SpecInfo, k: KeyIdentity, exportable: boolean, size: { value: Buffer } | 'length' | 'unwrap'): Template {
  const sizing = size === 'length' ? [{ type: F.CKA_VALUE_LEN, value: spec.bits / 8 }] : size === 'unwrap' ? [] : [{ type: F.CKA_VALUE, value: size.value }];
  return [{ type: F.CKA_CLASS, value: F.CKO_SECRET_KEY }, { type: F.CKA_KEY_TYPE, value: row.keyType }, ...common(k), ...secretHalf(exportable), ...sizing, ...row.usage];
}

/** Key-pair templates for C_GenerateKeyPair; import and unwrap add the key values to them. */
export function keyPairTemplates(row: PairRow, spec: SpecInfo, k: KeyIdentity, exportable: boolean): { pub: Template; priv: Template } {
  const keyType = { type: F.CKA_KEY_TYPE, value: row.keyType };
  return {
    pub: [{ type: F.CKA_CLASS, value: F.CKO_PUBLIC_KEY }, keyType, ...common(k), { type: F.CKA_PRIVATE, value: false }, ...row.domain(spec), ...row.pubUsage],
    priv: [{ type: F.CKA_CLASS, value: F.CKO_PRIVATE_KEY }, keyType, ...common(k), ...secretHalf(exportable), ...row.privUsage],
  };
}

/** A session object holding bytes in the clear, for C_WrapKey / C_UnwrapKey of caller data and ECDH output. */
export function scratchSecretTemplate(value?: Buffer): Template {
  return [
    { type: F.CKA_CLASS, value: F.CKO_SECRET_KEY },
    { type: F.CKA_KEY_TYPE, value: F.CKK_GENERIC_SECRET },
    { type: F.CKA_TOKEN, value: false },
    { type: F.CKA_PRIVATE, value: true },
    { type: F.CKA_SENSITIVE, value: false },
    { type: F.CKA_EXTRACTABLE, value: true },
    ...(value ? [{ type: F.CKA_VALUE, value }] : []),
  ];
}

/** A one-off AES key as a session object: never extractable, only for the use named. */
export function sessionAesKey(use: number, value: Buffer): Template {
  return [
    { type: F.CKA_CLASS, value: F.CKO_SECRET_KEY },
    { type: F.CKA_KEY_TYPE, value: F.CKK_AES },
    { type: F.CKA_TOKEN, value: false },
    { type: F.CKA_PRIVATE, value: true },
    { type: F.CKA_SENSITIVE, value: true },
    { type: F.CKA_EXTRACTABLE, value: false },
    { type: use, value: true },
    { type: F.CKA_VALUE, value },
  ];
}
