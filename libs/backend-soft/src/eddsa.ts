import type { KeyObject } from 'node:crypto';
import { ed25519ctx, ed25519ph } from '@noble/curves/ed25519.js';
import { ed448, ed448ph } from '@noble/curves/ed448.js';
import type { SignParams, SpecInfo } from '@kms/core';

/**
 * RFC 8032 variants node:crypto 20 cannot do: Ed25519ctx, Ed25519ph and Ed448/Ed448ph with a
 * context. Pure Ed25519 and context-free Ed448 stay on node:crypto (OpenSSL).
 */
export const needsNoble = (spec: SpecInfo, p: SignParams) => p.variant === 'ph' || (p.context !== undefined && p.context.length > 0) || (spec.family === 'ed25519' && p.context !== undefined);

function scheme(spec: SpecInfo, p: SignParams) {
  if (spec.family === 'ed448') return p.variant === 'ph' ? ed448ph : ed448;
  return p.variant === 'ph' ? ed25519ph : ed25519ctx;
}

/** The RFC 8032 secret seed (32 / 57 bytes) and public key, from node's JWK export. */
const seedOf = (k: KeyObject) => Buffer.from(k.export({ format: 'jwk' }).d!, 'base64url');
const pubOf = (k: KeyObject) => Buffer.from(k.export({ format: 'jwk' }).x!, 'base64url');

export function eddsaSign(spec: SpecInfo, privateKey: KeyObject, p: SignParams, data: Buffer): Buffer {
  return Buffer.from(scheme(spec, p).sign(data, seedOf(privateKey), { context: p.context ?? new Uint8Array(0) }));
}

export function eddsaVerify(spec: SpecInfo, publicKey: KeyObject, p: SignParams, data: Buffer, signature: Buffer): boolean {
  try {
    return scheme(spec, p).verify(signature, data, pubOf(publicKey), { context: p.context ?? new Uint8Array(0) });
  } catch {
    return false;
  }
}
