import { createHash } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import { DIGEST_INFO, HASHES, curveOf, invalidArgument, unsupported, type HashAlg, type SignParams, type SpecInfo } from '@kms/core';
import { CKM_EDDSA, HASH_PARAMS, MECH_BY_NAME, offers, type TokenMechanisms } from './mechanisms';

const F = pkcs11js;

/** What C_SignInit / C_VerifyInit get, the data they sign, and the signature's size. */
export interface SignMechanism {
  mech: pkcs11js.Mechanism;
  input: Buffer;
  size: number;
}

/**
 * The mechanism for a sign or verify on this token: a combined hash-and-sign mechanism when the
 * token has one and the client sent the message; otherwise the bare scheme over a digest made
 * here (or sent by the client), with the DigestInfo prefix for PKCS#1 v1.5.
 */
export function signMechanism(t: TokenMechanisms, spec: SpecInfo, p: SignParams, data: Buffer): SignMechanism {
  const need = (name: string, bits: number) => {
    if (!offers(t, name, bits)) throw unsupported(`${name} is not available on this token for a ${bits}-bit key`);
  };
  const digestOf = (hash: HashAlg) => (p.prehashed ? data : createHash(HASHES[hash].node).update(data).digest());
  switch (p.scheme) {
    case 'RSA-PKCS1':
    case 'RSA-PSS': {
      const hash = hashOf(p);
      const size = Math.ceil(spec.bits / 8);
      const pss = p.scheme === 'RSA-PSS';
      const combined = MECH_BY_NAME.get(`${pss ? 'RSA-PSS' : 'RSA-PKCS1-SIGN'}/${hash}`);
      const hp = HASH_PARAMS[hash];
      const pssParams = hp && { type: F.CK_PARAMS_RSA_PSS, hashAlg: hp.ckm, mgf: hp.mgf, saltLen: p.saltLength ?? HASHES[hash].size };
      if (!p.prehashed && combined && offers(t, combined.name, spec.bits)) {
        return { mech: { mechanism: combined.ckm, parameter: pss ? pssParams : undefined }, input: data, size };
      }
      if (pss) {
        if (!pssParams) throw unsupported(`RSA-PSS with ${hash} is not available on this token`);
        need('RSA-PSS', spec.bits);
        return { mech: { mechanism: F.CKM_RSA_PKCS_PSS, parameter: pssParams }, input: digestOf(hash), size };
      }
      const prefix = DIGEST_INFO[hash];
      if (!prefix) throw unsupported(`RSA PKCS#1 v1.5 signatures with ${hash} are not available on this token`);
      need('RSA-PKCS1-SIGN', spec.bits);
      return { mech: { mechanism: F.CKM_RSA_PKCS }, input: Buffer.concat([prefix, digestOf(hash)]), size };
    }
    case 'ECDSA':
      need('ECDSA', spec.bits);
      // CKM_ECDSA signs a digest: hash here unless the client did.
      return { mech: { mechanism: F.CKM_ECDSA }, input: digestOf(hashOf(p)), size: 2 * curveOf(spec).size };
    case 'EdDSA':
      if (p.context?.length || p.variant) throw unsupported('Ed25519ctx / Ed25519ph are not available on the pkcs11 backend');
      need('EdDSA', spec.bits);
      return { mech: { mechanism: CKM_EDDSA }, input: data, size: 64 };
    default:
      throw unsupported(`${p.scheme} is not available on the pkcs11 backend`);
  }
}

/** RSA and ECDSA name their hash; the core checks it is there. */
function hashOf(p: SignParams): HashAlg {
  if (!p.hash) throw invalidArgument(`${p.scheme} needs a hash`, 'hash');
  return p.hash;
}
