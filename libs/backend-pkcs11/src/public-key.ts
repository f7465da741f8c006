import { createPublicKey, type KeyObject } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import type { SpecInfo } from '@kms/core';
import { EC_CURVES, EC_PUBLIC_KEY_OID, ED25519_PARAMS } from './curves';
import { bitString, seq, unwrapEcPoint } from './der';

const F = pkcs11js;

/** The SPKI (DER) of a public-key object, from its attributes. */
export function readSpki(p11: pkcs11js.PKCS11, session: pkcs11js.Handle, handle: pkcs11js.Handle, spec: SpecInfo): Buffer {
  if (spec.family === 'rsa') {
    const [n, e] = p11.C_GetAttributeValue(session, handle, [{ type: F.CKA_MODULUS }, { type: F.CKA_PUBLIC_EXPONENT }]);
    const key = createPublicKey({ key: { kty: 'RSA', n: n!.value.toString('base64url'), e: e!.value.toString('base64url') }, format: 'jwk' });
    return key.export({ format: 'der', type: 'spki' });
  }
  const [point] = p11.C_GetAttributeValue(session, handle, [{ type: F.CKA_EC_POINT }]);
  return spkiFromPoint(spec, unwrapEcPoint(point!.value));
}

/**
 * SPKI from a raw point. Built as DER rather than JWK: node cannot take P-224 keys as JWK. The
 * result is parsed by node, so a point off the curve is refused here.
 */
export function spkiFromPoint(spec: SpecInfo, point: Buffer): Buffer {
  const der =
    spec.family === 'ed25519'
      ? seq(seq(ED25519_PARAMS), bitString(point))
      : seq(seq(EC_PUBLIC_KEY_OID, EC_CURVES[spec.curve!].params), bitString(point));
  return createPublicKey({ key: der, format: 'der', type: 'spki' }).export({ format: 'der', type: 'spki' });
}

/** The uncompressed point (EC) or the 32 key bytes (Ed25519) at the end of a node-made SPKI. */
export function pointOf(spec: SpecInfo, key: KeyObject): Buffer {
  const spki = key.export({ format: 'der', type: 'spki' });
  const len = spec.family === 'ed25519' ? 32 : 1 + 2 * EC_CURVES[spec.curve!].size;
  return Buffer.from(spki.subarray(spki.length - len));
}
