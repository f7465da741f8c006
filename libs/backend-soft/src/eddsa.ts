import type { KeyObject } from 'node:crypto';
import { ed25519ctx, ed25519ph } from '@noble/curves/ed25519.js';
import { ed448, ed448ph } from '@noble/curves/ed448.js';
import { OKP_CURVES, type SignParams, type SpecInfo } from '@kms/core';

/**
 * RFC 8032 variants node:crypto 20 cannot do: Ed25519ctx, Ed25519ph and Ed448/Ed448ph with a
 * context. Pure Ed25519 and context-free Ed448 stay on node:crypto (OpenSSL).
 */
export const needsNoble = (spec: SpecInfo, p: SignParams) =>
  p.variant === 'ph' || (p.context !== undefined && p.context.length > 0) || (spec.family === 'ed25519' && p.context !== undefined);

function scheme(spec: SpecInfo, p: SignParams) {
  if (spec.family === 'ed448') return p.variant === 'ph' ? ed448ph : ed448;
  return p.variant === 'ph' ? ed25519ph : ed25519ctx;
}

/** The RFC 8032 secret seed and public key: the last bytes of node's PKCS#8 and SPKI (RFC 8410). */
const sizeOf = (spec: SpecInfo) => (spec.family === 'ed448' ? OKP_CURVES.ed448 : OKP_CURVES.ed25519).size;
const seedOf = (spec: SpecInfo, k: KeyObject) => k.export({ format: 'der', type: 'pkcs8' }).subarray(-sizeOf(spec));
const pubOf = (spec: SpecInfo, k: KeyObject) => k.export({ format: 'der', type: 'spki' }).subarray(-sizeOf(spec));

export function eddsaSign(spec: SpecInfo, privateKey: KeyObject, p: SignParams, data: Buffer): Buffer {
  return Buffer.from(scheme(spec, p).sign(data, seedOf(spec, privateKey), { context: p.context ?? new Uint8Array(0) }));
}

export function eddsaVerify(spec: SpecInfo, publicKey: KeyObject, p: SignParams, data: Buffer, signature: Buffer): boolean {
  try {
    return scheme(spec, p).verify(signature, data, pubOf(spec, publicKey), { context: p.context ?? new Uint8Array(0) });
  } catch {
    return false;
  }
}
