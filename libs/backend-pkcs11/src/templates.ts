import * as pkcs11js from 'pkcs11js';
import type { SpecInfo } from '@kms/core';
import { EC_CURVES, ED25519_PARAMS } from './curves';
import { CKK_EC_EDWARDS } from './mechanisms';

const F = pkcs11js;
type Template = pkcs11js.Template;

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

export function secretKeyTemplate(spec: SpecInfo, k: KeyIdentity, exportable: boolean, value?: Buffer): Template {
  const aes = spec.family === 'aes';
  return [
    { type: F.CKA_CLASS, value: F.CKO_SECRET_KEY },
    { type: F.CKA_KEY_TYPE, value: aes ? F.CKK_AES : F.CKK_GENERIC_SECRET },
    ...common(k),
    ...secretHalf(exportable),
    ...(value ? [{ type: F.CKA_VALUE, value }] : [{ type: F.CKA_VALUE_LEN, value: spec.bits / 8 }]),
    ...(aes
      ? [
          { type: F.CKA_ENCRYPT, value: true },
          { type: F.CKA_DECRYPT, value: true },
          { type: F.CKA_WRAP, value: true },
          { type: F.CKA_UNWRAP, value: true },
        ]
      : [
          { type: F.CKA_SIGN, value: true },
          { type: F.CKA_VERIFY, value: true },
        ]),
  ];
}

/** Key-pair templates for C_GenerateKeyPair; the import path adds the key values to them. */
export function keyPairTemplates(spec: SpecInfo, k: KeyIdentity, exportable: boolean): { pub: Template; priv: Template } {
  const pubClass = [{ type: F.CKA_CLASS, value: F.CKO_PUBLIC_KEY }];
  const privClass = [{ type: F.CKA_CLASS, value: F.CKO_PRIVATE_KEY }];
  switch (spec.family) {
    case 'rsa':
      return {
        pub: [...pubClass, { type: F.CKA_KEY_TYPE, value: F.CKK_RSA }, ...common(k), { type: F.CKA_PRIVATE, value: false }, { type: F.CKA_ENCRYPT, value: true }, { type: F.CKA_VERIFY, value: true }, { type: F.CKA_WRAP, value: true }],
        priv: [...privClass, { type: F.CKA_KEY_TYPE, value: F.CKK_RSA }, ...common(k), ...secretHalf(exportable), { type: F.CKA_DECRYPT, value: true }, { type: F.CKA_SIGN, value: true }, { type: F.CKA_UNWRAP, value: true }],
      };
    case 'ec':
      return {
        pub: [...pubClass, { type: F.CKA_KEY_TYPE, value: F.CKK_EC }, ...common(k), { type: F.CKA_PRIVATE, value: false }, { type: F.CKA_EC_PARAMS, value: EC_CURVES[spec.curve!].params }, { type: F.CKA_VERIFY, value: true }],
        priv: [...privClass, { type: F.CKA_KEY_TYPE, value: F.CKK_EC }, ...common(k), ...secretHalf(exportable), { type: F.CKA_SIGN, value: true }, { type: F.CKA_DERIVE, value: true }],
      };
    case 'ed25519':
      return {
        pub: [...pubClass, { type: F.CKA_KEY_TYPE, value: CKK_EC_EDWARDS }, ...common(k), { type: F.CKA_PRIVATE, value: false }, { type: F.CKA_EC_PARAMS, value: ED25519_PARAMS }, { type: F.CKA_VERIFY, value: true }],
        priv: [...privClass, { type: F.CKA_KEY_TYPE, value: CKK_EC_EDWARDS }, ...common(k), ...secretHalf(exportable), { type: F.CKA_SIGN, value: true }],
      };
    default:
      throw new Error(`no key-pair template for ${spec.spec}`);
  }
}

/** C_GenerateKeyPair wants CKA_MODULUS_BITS / CKA_PUBLIC_EXPONENT (RSA); EC params are already in. */
export function generationExtras(spec: SpecInfo): Template {
  return spec.family === 'rsa'
    ? [
        { type: F.CKA_MODULUS_BITS, value: spec.bits },
        { type: F.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
      ]
    : [];
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
