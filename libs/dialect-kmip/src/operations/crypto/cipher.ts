import type { AsymParams, SpecInfo } from '@kms/core';
import { KmipFailure } from '../operation';
import { checkMaskHash, hashOf } from './hash';
import { DEFAULT_AES_MODE, DEFAULT_RSA_ENCRYPTION } from './key-defaults';
import type { CryptoParameters } from './parameters';
import { GCM_TAG_BYTES, RSA_PADDINGS, SYMMETRIC_MODES, type SymmetricMode } from './tables';

/** What Encrypt and Decrypt do with a key: an AES mode, or an RSA padding. */
export type CipherChoice = { kind: 'symmetric'; name: string; mode: SymmetricMode; ivBytes?: number } | { kind: 'rsa'; params: AsymParams };

const CHOOSERS: Readonly<Record<string, (p: CryptoParameters) => CipherChoice>> = {
  aes: (p) => {
    const name = p.mode ?? DEFAULT_AES_MODE;
    const mode = SYMMETRIC_MODES[name];
    if (mode === undefined) throw new KmipFailure('Invalid Field', `Block Cipher Mode ${name} is not supported`);
    const padding = p.padding ?? mode.paddings[0];
    if (!mode.paddings.includes(padding)) throw new KmipFailure('Invalid Field', `${name} takes Padding Method ${mode.paddings.join(' or ')}, not ${padding}`);
    if (p.tagLength !== undefined && !(mode.authenticated && p.tagLength === GCM_TAG_BYTES)) {
      throw new KmipFailure('Invalid Field', mode.authenticated ? `Tag Length must be ${GCM_TAG_BYTES}` : `${name} has no tag`);
    }
    if (p.ivLength === undefined) return { kind: 'symmetric', name, mode };
    if (p.ivLength % 8 !== 0 || !mode.ivBytes.includes(p.ivLength / 8)) {
      throw new KmipFailure('Invalid Field', mode.ivBytes.length ? `${name} takes an IV Length of ${mode.ivBytes.map((b) => b * 8).join(' or ')} bits` : `${name} takes no IV`);
    }
    return { kind: 'symmetric', name, mode, ivBytes: p.ivLength / 8 };
  },
  rsa: (p) => {
    const padding = p.padding ?? DEFAULT_RSA_ENCRYPTION.padding;
    const scheme = RSA_PADDINGS[padding];
    if (scheme === undefined) throw new KmipFailure('Invalid Field', `RSA encryption takes Padding Method OAEP or PKCS1 v1.5, not ${padding}`);
    if (scheme === 'RSA-PKCS1') return { kind: 'rsa', params: { scheme } };
    const hash = hashOf(p.hash, DEFAULT_RSA_ENCRYPTION.hash);
    checkMaskHash(p.maskHash, hash);
    return { kind: 'rsa', params: { scheme, hash } };
  },
};

/** The cipher for this key and these parameters; a key no cipher here fits is Illegal Operation. */
export function cipherFor(info: SpecInfo, p: CryptoParameters): CipherChoice {
  const choose = CHOOSERS[info.family];
  if (choose === undefined) throw new KmipFailure('Illegal Operation', `a ${info.spec} key does not encrypt here (AES and RSA keys do)`);
  return choose(p);
}
