import type { KeyRecord } from '../key';
import type { KeyUsage } from '../specs';

/**
 * A key that lives only in a blob its client holds (eHSM v1 `cmk_base64`): never in the store,
 * never listed, usable by whoever presents the blob with the right binding. The core opens the
 * blob into a record of the caller's tenant and runs the same operations on it as on a stored
 * key, with the same checks, audit and metrics.
 */
export interface SealedKey {
  readonly kind: 'sealed';
  readonly record: KeyRecord;
}

/**
 * A stored key at one of its versions, for a wire format that carries the version (AWS ciphertext
 * blobs, Vault's `vault:v<N>:` prefix). A bare id means the current version for encryption and
 * signing, and any kept version (newest first) for decryption and verification.
 */
export interface KeyAtVersion {
  readonly kind: 'version';
  readonly id: string;
  readonly version: number;
}

export const atVersion = (id: string, version: number): KeyAtVersion => ({ kind: 'version', id, version });

/** A key named by its id (or alias) in the store, at a given version, or presented as a sealed blob. */
export type KeyRef = string | SealedKey | KeyAtVersion;

/** The store id (or alias) a reference names, or null for a sealed key (audited without one). */
export const storedKeyId = (ref: KeyRef): string | null => (typeof ref === 'string' ? ref : ref.kind === 'version' ? ref.id : null);

export interface CreateSealedRequest {
  spec: string;
  usages?: KeyUsage[];
}

/** What a sealed blob carries, besides the backend's own sealed material. */
export interface SealedKeyBody {
  /** Random id: the soft engine binds its sealed material to it. */
  id: string;
  spec: string;
  usages: KeyUsage[];
  /** The soft engine's reference (its sealed material, base64). */
  ref: string;
  /** SPKI, base64, for asymmetric keys. */
  pub: string | null;
  /** Creation time, ms. */
  at: number;
}

/**
 * Payload layout inside the sealer's envelope: a magic prefix, then the JSON body. Blobs issued
 * before it held the raw material alone (16 AES bytes or a PKCS#8 DER), which never starts with
 * this prefix: those are read with the spec the caller knows from its own header.
 */
export const SEALED_MAGIC = Buffer.from('SK1\u0000', 'latin1');

export function encodeSealedBody(body: SealedKeyBody): Buffer {
  return Buffer.concat([SEALED_MAGIC, Buffer.from(JSON.stringify(body), 'utf8')]);
}

/** The body, or null when the payload is a raw-material blob of the earlier layout. */
export function decodeSealedBody(payload: Buffer): SealedKeyBody | null {
  if (payload.length < SEALED_MAGIC.length || !payload.subarray(0, SEALED_MAGIC.length).equals(SEALED_MAGIC)) return null;
  const body = JSON.parse(payload.subarray(SEALED_MAGIC.length).toString('utf8')) as SealedKeyBody;
  if (typeof body?.id !== 'string' || typeof body.spec !== 'string' || !Array.isArray(body.usages) || typeof body.ref !== 'string') throw new Error('bad sealed key body');
  return body;
}
