import { HASHES, type SignParams, type SpecInfo } from '@kms/core';
import { KmipFailure } from '../operation';
import { checkMaskHash, hashOf } from './hash';
import { DEFAULT_RSA_SIGNATURE, defaultEcdsaHash } from './key-defaults';
import type { CryptoParameters } from './parameters';
import { RSA_SIGNATURE_PADDINGS, SIGNATURE_ALGORITHMS } from './tables';

/** The scheme and hash a Digital Signature Algorithm names, or RSA's Padding Method and Hashing Algorithm when it names none. */
function schemeOf(info: SpecInfo, p: CryptoParameters): Pick<SignParams, 'scheme' | 'hash'> {
  if (p.signature !== undefined) {
    const named = SIGNATURE_ALGORITHMS[p.signature];
    if (named === undefined) throw new KmipFailure('Invalid Field', `Digital Signature Algorithm ${p.signature} is not supported`);
    if (named.family !== info.family) throw new KmipFailure('Invalid Field', `Digital Signature Algorithm ${p.signature} does not fit this ${info.spec} key`);
    if (named.hash !== undefined && p.hash !== undefined && hashOf(p.hash, named.hash) !== named.hash) {
      throw new KmipFailure('Invalid Field', `Hashing Algorithm ${p.hash} contradicts Digital Signature Algorithm ${p.signature}`);
    }
    return { scheme: named.scheme, hash: named.hash ?? hashOf(p.hash, DEFAULT_RSA_SIGNATURE.hash) };
  }
  if (info.family === 'ec') return { scheme: 'ECDSA', hash: hashOf(p.hash, defaultEcdsaHash(info)) };
  const padding = p.padding ?? DEFAULT_RSA_SIGNATURE.padding;
  const scheme = RSA_SIGNATURE_PADDINGS[padding];
  if (scheme === undefined) throw new KmipFailure('Invalid Field', `RSA signatures take Padding Method PKCS1 v1.5 or PSS, not ${padding}`);
  return { scheme, hash: hashOf(p.hash, DEFAULT_RSA_SIGNATURE.hash) };
}

/**
 * Sign and Signature Verify's parameters. ECDSA signatures are DER (X9.62 Ecdsa-Sig-Value), the
 * form PyKMIP's server answers and OpenSSL-based clients verify. PSS takes Salt Length (default:
 * the digest's length) and MGF1 with the digest's hash.
 */
export function signatureFor(info: SpecInfo, p: CryptoParameters, prehashed: boolean): SignParams {
  if (info.family !== 'rsa' && info.family !== 'ec') throw new KmipFailure('Illegal Operation', `a ${info.spec} key does not sign here (RSA and EC keys do)`);
  const { scheme, hash } = schemeOf(info, p);
  const base: SignParams = { scheme, hash, prehashed, ...(scheme === 'ECDSA' ? { encoding: 'der' as const } : {}) };
  if (scheme !== 'RSA-PSS' || hash === undefined) return base;
  checkMaskHash(p.maskHash, hash);
  return { ...base, saltLength: p.saltLength ?? HASHES[hash].size };
}
