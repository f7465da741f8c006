import { type KeyObject, createPrivateKey, createPublicKey } from 'node:crypto';
import { type KeyMaterial, type SpecInfo, curveOf } from '@kms/core';

/** How a seed file gives a key's material: exactly one of these fields under `material`. */
export const MATERIAL_FORMS = ['raw', 'pem', 'jwk'] as const;
export type MaterialForm = (typeof MATERIAL_FORMS)[number];

/**
 * Reads one form of material for a key of `info`'s spec, refusing anything that does not fit it
 * (length, key type, RSA size, curve). Errors say what is wrong, never what was given.
 */
export const READ_MATERIAL: Record<MaterialForm, (value: unknown, info: SpecInfo) => KeyMaterial> = {
  raw: (value, info) => {
    if (!info.symmetric) throw new Error(`raw material is for symmetric keys; give a ${info.spec} key as pem or jwk`);
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(value) || value.length % 4 !== 0) throw new Error('must be standard base64');
    const bytes = Buffer.from(value, 'base64');
    if (bytes.length * 8 !== info.bits) throw new Error(`a ${info.spec} key is ${info.bits / 8} bytes, not ${bytes.length}`);
    return { kind: 'secret', bytes };
  },
  pem: (value, info) => {
    if (typeof value !== 'string' || !/-----BEGIN [A-Z0-9 ]+-----/.test(value)) throw new Error('must be a PEM block (PKCS#8, SPKI, PKCS#1 or SEC 1)');
    if (info.symmetric) throw new Error(`a ${info.spec} key is given as raw (base64), not pem`);
    return asymmetric(/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(value) ? () => createPrivateKey(value) : () => createPublicKey(value), info);
  },
  jwk: (value, info) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('must be a JWK object');
    const jwk = value as Record<string, unknown>;
    if (jwk.kty === 'oct') {
      if (!info.symmetric) throw new Error(`an oct JWK is for symmetric keys, not ${info.spec}`);
      if (typeof jwk.k !== 'string' || !/^[A-Za-z0-9_-]+$/.test(jwk.k)) throw new Error('k must be base64url');
      return READ_MATERIAL.raw(Buffer.from(jwk.k, 'base64url').toString('base64'), info);
    }
    if (info.symmetric) throw new Error(`a ${info.spec} key is an oct JWK`);
    const key = { key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' as const };
    return asymmetric(typeof jwk.d === 'string' ? () => createPrivateKey(key) : () => createPublicKey(key), info);
  },
};

/** The public key (SPKI DER) of asymmetric material: what a stored key is compared by. */
export function publicKeyOf(material: KeyMaterial): Buffer | null {
  if (material.kind === 'public') return material.spki;
  if (material.kind === 'pkcs8') return createPublicKey(createPrivateKey({ key: material.der, format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' });
  return null;
}

function asymmetric(read: () => KeyObject, info: SpecInfo): KeyMaterial {
  let key: KeyObject;
  try {
    key = read();
  } catch {
    // node's message may quote the input: say only that it could not be read.
    throw new Error('cannot be read as a key');
  }
  const problem = misfit(key, info);
  if (problem) throw new Error(problem);
  return key.type === 'private' ? { kind: 'pkcs8', der: key.export({ type: 'pkcs8', format: 'der' }) } : { kind: 'public', spki: key.export({ type: 'spki', format: 'der' }) };
}

/** Why a parsed key is not of the spec, or null when it is. */
function misfit(key: KeyObject, info: SpecInfo): string | null {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  switch (info.family) {
    case 'rsa':
      if (type !== 'rsa') return `is a ${type} key, not ${info.spec}`;
      return details.modulusLength === info.bits ? null : `is a ${details.modulusLength}-bit RSA key, not ${info.spec}`;
    case 'ec':
      if (type !== 'ec') return `is a ${type} key, not ${info.spec}`;
      return details.namedCurve === curveOf(info).node ? null : `is on curve ${details.namedCurve}, not that of ${info.spec}`;
    case 'ed25519':
    case 'x25519':
    case 'ed448':
    case 'x448':
      return type === info.family ? null : `is a ${type} key, not ${info.spec}`;
    default:
      return `${info.spec} material cannot be given in a seed file (generate the key instead)`;
  }
}
