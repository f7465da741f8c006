import { hexToUuid, type AgreementKdf, type KeyOperations, type OpContext } from '@kms/core';
import { hem } from './hem-error';
import { findKey } from './key-lookup';
import { type HemTypeInfo, typeOfRecord } from './key-types';
import { hemFromSpki, spkiFromHem } from './pubkey';

/** Key kinds that do ECDH: the SECP curves (with mode ECDH) and X25519/X448. */
const ECDH_KINDS = new Set(['secp', 'ecdh']);
export const isEcdhType = (t: HemTypeInfo): boolean => ECDH_KINDS.has(t.kind);

/** The other side of an ECDH, as the core takes it, and its HEM `pubkey` bytes (compressed/raw). */
export interface EcdhPeer {
  ref: { keyId: string } | { spki: Buffer };
  /** Computed on demand: only derive needs it (for the new key's KID), not the crypto hot path. */
  pub: () => Buffer;
}

/**
 * The peer of an ECDH with a key of type `t` (notes §4): `ext_kid` wins over `pubkey`; the peer
 * must be of the same type (406); a key that is not a point of it is 400; neither is 400 when
 * `required`, else null.
 */
/** The peer fields of a body, as its DTO decoded them. */
export interface PeerFields {
  ext_kid?: string;
  pubkey?: Buffer;
}

export async function ecdhPeer(ctx: OpContext, keys: KeyOperations, t: HemTypeInfo, body: PeerFields, required: boolean): Promise<EcdhPeer | null> {
  const ext = body.ext_kid;
  if (ext) {
    const other = await findKey(keys, ctx, ext, hexToUuid(ext));
    if (typeOfRecord(other)?.spec !== t.spec || !other.publicKey) throw hem(406, 'peer of another type');
    const spki = other.publicKey;
    return { ref: { keyId: other.id }, pub: () => hemFromSpki(t, spki) };
  }
  if (body.pubkey) {
    const spki = spkiFromHem(t, body.pubkey);
    // Back to HEM bytes: an uncompressed SECP point names the same peer as its compressed form.
    return { ref: { spki }, pub: () => hemFromSpki(t, spki) };
  }
  if (required) throw hem(400, 'ext_kid or pubkey');
  return null;
}

/**
 * The dialect's one KDF over an ECDH secret (the spec's, notes §3/§4): HKDF-SHA256 with an empty
 * salt, run by the core. ECDH-mode cipher/wrap use info `encedo-aes`/`encedo-kek` ‖ ctx,
 * keymgmt/derive `encedo-<TYPE>`. The core refuses (406) a secret shorter than the key.
 */
export const encedoKdf = (info: Buffer, length: number): AgreementKdf => ({ kind: 'hkdf', hash: 'SHA-256', info, length });
