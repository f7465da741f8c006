import { generateKeyPair } from 'node:crypto';
import { unsupported } from '../errors';
import { CURVES, type SpecInfo } from '../specs';

const DER = { publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' } } as const;

function generate(type: 'rsa' | 'ec', opts: { modulusLength: number } | { namedCurve: string }): Promise<{ pkcs8: Buffer; spki: Buffer }> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, spki: Buffer, pkcs8: Buffer) => (err ? reject(err) : resolve({ pkcs8, spki }));
    if (type === 'rsa') generateKeyPair('rsa', { ...(opts as { modulusLength: number }), ...DER }, done);
    else generateKeyPair('ec', { ...(opts as { namedCurve: string }), ...DER }, done);
  });
}

/**
 * A fresh key pair that no backend holds (a data key pair, which its caller keeps): PKCS#8 and
 * SPKI DER. RSA and the NIST and secp256k1 curves, which node:crypto makes; others are refused.
 */
export function newDataKeyPair(info: SpecInfo): Promise<{ pkcs8: Buffer; spki: Buffer }> {
  if (info.family === 'rsa') return generate('rsa', { modulusLength: info.bits });
  if (info.family === 'ec' && info.curve) return generate('ec', { namedCurve: CURVES[info.curve].node });
  return Promise.reject(unsupported(`data key pairs of ${info.spec} are not supported`));
}
