import { createHash } from 'node:crypto';
import { specInfo } from '@kms/core';
import { encedoKdf } from './ecdh';
import { hem } from './hem-error';
import type { HemTypeInfo } from './key-types';

/**
 * keymgmt/derive (notes §3): a new key of `type` from the ECDH secret of a held key and a peer.
 * Secret keys only: AES and the HMAC (SHA*) types. The device also derives asymmetric types, but
 * how it turns HKDF output into a private key is not documented, and one made differently would
 * silently disagree with the device's; those targets are 406, which TESTER T-10.1 accepts.
 */
const DERIVABLE_KINDS = new Set(['aes', 'hmac']);

/**
 * Bytes of the key derived for `t`: AES 16/24/32, an HMAC type its digest's output size (the length
 * create gives SHA* keys). Refused (406) for types derive does not make here.
 */
export function derivedKeyLength(t: HemTypeInfo): number {
  if (!DERIVABLE_KINDS.has(t.kind)) throw hem(406, `${t.type} cannot be derived`);
  return specInfo(t.spec).bits / 8;
}

/**
 * HKDF-SHA256(secret, salt empty, info `encedo-<TYPE>`, length). The device refuses (406) a secret
 * shorter than the key it would make (its example: X25519's 32 bytes → SHA2-384), and so does the
 * core's HKDF, so HKDF never stretches a secret past its own entropy.
 */
export const derivedKeyKdf = (t: HemTypeInfo, length: number) => encedoKdf(Buffer.from(`encedo-${t.type}`), length);

/**
 * The derived key's KID: SHA-1 over the tenant, the source key, the peer's HEM public key and the
 * type, cut to 16 bytes (the import rule's shape). The same derivation twice is the same KID, so
 * it is a 406 as the device's "key already exists"; deriving from the peer's side (B with A's
 * public key) is another KID of the same material, so both parties can hold it in one tenant.
 * No key material goes into the hash. Ids are NUL-separated and the peer's bytes have a fixed
 * length per type, so the concatenation is unambiguous.
 */
export function derivedKid(tenantId: string, sourceId: string, peerPub: Buffer, t: HemTypeInfo): string {
  const h = createHash('sha1').update('encedo-derive\0').update(`${tenantId}\0${sourceId}\0`);
  return h.update(peerPub).update(t.type).digest().subarray(0, 16).toString('hex');
}
