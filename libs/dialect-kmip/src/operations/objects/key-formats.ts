import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { CURVES, curveByNodeName, type KeyMaterial } from '@kms/core';
import { KmipFailure } from '../operation';

/**
 * Asymmetric key formats between KMIP's Key Format Types and the core's forms (PKCS#8 private
 * keys, SPKI public keys): parsing what a client registers and writing what Get returns. Key
 * bytes pass through here and into the core, never into a message or a log.
 */
const notSupported = (format: string) => new KmipFailure('Key Format Type Not Supported', `Key Format Type ${format} is not served for this object`);
const unreadable = (format: string) => new KmipFailure('Invalid Field', `the Key Material is not a ${format} key`);

const PRIVATE_IN: Readonly<Record<string, (der: Buffer) => KeyObject>> = {
  'PKCS#8': (der) => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }),
  'PKCS#1': (der) => createPrivateKey({ key: der, format: 'der', type: 'pkcs1' }),
  ECPrivateKey: (der) => createPrivateKey({ key: der, format: 'der', type: 'sec1' }),
};

const PUBLIC_IN: Readonly<Record<string, (der: Buffer) => KeyObject>> = {
  'X.509': (der) => createPublicKey({ key: der, format: 'der', type: 'spki' }),
  'PKCS#1': (der) => createPublicKey({ key: der, format: 'der', type: 'pkcs1' }),
};

/** The core spec of an asymmetric key: rsa-<bits> or the curve's spec. */
export function specOfKey(key: KeyObject): string {
  const d = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa' && d?.modulusLength) return `rsa-${d.modulusLength}`;
  if (key.asymmetricKeyType === 'ec') {
    const curve = curveByNodeName(d?.namedCurve);
    if (curve && curve.curve in CURVES) return curve.spec;
  }
  throw new KmipFailure('Invalid Field', `a ${key.asymmetricKeyType ?? 'unknown'} key${d?.namedCurve ? ` on ${d.namedCurve}` : ''} is not served (RSA, EC P-256/384/521)`);
}

/** The core's form of a parsed key: PKCS#8 for a private key, SPKI for a public one. */
export function fromKeyObject(key: KeyObject): { spec: string; material: KeyMaterial } {
  const spec = specOfKey(key);
  return key.type === 'private'
    ? { spec, material: { kind: 'pkcs8', der: key.export({ format: 'der', type: 'pkcs8' }) } }
    : { spec, material: { kind: 'public', spki: key.export({ format: 'der', type: 'spki' }) } };
}

export function readPrivate(format: string, der: Buffer): { spec: string; material: KeyMaterial } {
  const parse = PRIVATE_IN[format];
  if (!parse) throw notSupported(format);
  let key: KeyObject;
  try {
    key = parse(der);
  } catch {
    throw unreadable(format);
  }
  return { spec: specOfKey(key), material: { kind: 'pkcs8', der: key.export({ format: 'der', type: 'pkcs8' }) } };
}

export function readPublic(format: string, der: Buffer): { spec: string; material: KeyMaterial } {
  const parse = PUBLIC_IN[format];
  if (!parse) throw notSupported(format);
  let key: KeyObject;
  try {
    key = parse(der);
  } catch {
    throw unreadable(format);
  }
  return { spec: specOfKey(key), material: { kind: 'public', spki: key.export({ format: 'der', type: 'spki' }) } };
}

/** A private key's PKCS#8 in the format a Get asks for. */
export function writePrivate(format: string, pkcs8: Buffer): Buffer {
  if (format === 'PKCS#8') return pkcs8;
  const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  if (format === 'PKCS#1' && key.asymmetricKeyType === 'rsa') return key.export({ format: 'der', type: 'pkcs1' });
  if (format === 'ECPrivateKey' && key.asymmetricKeyType === 'ec') return key.export({ format: 'der', type: 'sec1' });
  throw notSupported(format);
}

/** A public key's SPKI in the format a Get asks for. */
export function writePublic(format: string, spki: Buffer): Buffer {
  if (format === 'X.509') return spki;
  const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  if (format === 'PKCS#1' && key.asymmetricKeyType === 'rsa') return key.export({ format: 'der', type: 'pkcs1' });
  throw notSupported(format);
}
