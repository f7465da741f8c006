import type { KeyClass, KeyUsage } from './specs';

export type KeyState = 'enabled' | 'disabled' | 'pending_import' | 'pending_deletion' | 'destroyed';
export type KeyOrigin = 'generated' | 'imported' | 'external';

/** The canonical key, as every dialect and backend sees it. Holds no secret material in clear. */
export interface KeyRecord {
  id: string;
  tenantId: string;
  spec: string;
  keyClass: KeyClass;
  usages: KeyUsage[];
  state: KeyState;
  origin: KeyOrigin;
  /** Name of the backend that holds the material (`soft`, `pkcs11`, ...). */
  backend: string;
  /** The current version's backend reference: sealed material (soft) or the token object id (PKCS#11). */
  backendRef: string | null;
  /** The current version's SubjectPublicKeyInfo DER, for asymmetric keys. */
  publicKey: Buffer | null;
  /** The version that encrypts and signs; rotation makes a new one. Keys start at 1. */
  currentVersion: number;
  /** Versions below it are kept but refused for decryption and verification. */
  minDecryptVersion: number;
  /** The versions whose material is kept, oldest first; the current one is among them. */
  versions: KeyVersion[];
  /** Automatic rotation, carried out by the gateway process; null when off. */
  rotation: RotationSchedule | null;
  description: string | null;
  /** Key-value tags (AWS TagResource, KMIP attributes). */
  tags: Record<string, string>;
  label: string | null;
  /** May the material leave the backend (wrapped), e.g. for re-homing? */
  exportable: boolean;
  createdAt: number;
  updatedAt: number;
  expiresAt: number | null;
  deletionAt: number | null;
  /** Dialect-specific attributes (eHSM padding/digest mode, JOSE alg, Encedo type...). */
  attributes: Record<string, unknown>;
  /** Bumped on every change, so that caches of several replicas can tell a stale entry (optimistic concurrency, not a material version). */
  revision: number;
}

/** One material version of a key: its own backend object or sealed copy, and its public half. */
export interface KeyVersion {
  version: number;
  backendRef: string | null;
  publicKey: Buffer | null;
  createdAt: number;
}

export interface RotationSchedule {
  periodMs: number;
  nextAt: number;
}

/**
 * The id a backend knows a version's material by: the key id for version 1 (so keys made before
 * versions existed keep their sealed copies and token objects), `<id>.v<N>` after. The soft engine
 * binds its sealed copy to it; PKCS#11 derives the version's CKA_ID and label from it.
 */
export const materialId = (keyId: string, version: number): string => (version === 1 ? keyId : `${keyId}.v${version}`);

/** Who is asking: the tenant a credential resolved to, and the dialect it came through. */
export interface OpContext {
  tenantId: string;
  dialect: string;
  /** Credential or user id, for the audit trail. */
  principal?: string;
  /**
   * The dialect's own name for this event (e.g. Encedo `LOG_TYPE_CRYPTO_ECDH/LOG_RESULT_OK`),
   * written to the audit row's `event` column. A function receives the outcome (`ok` or the
   * canonical error code) and the operation's result, since a vendor's event name often carries
   * the result (a verify that answers `false` is a failure to Encedo).
   */
  event?: string | ((outcome: string, result?: unknown) => string);
}

/** Encedo names keys by the UUID as 32 lowercase hex digits; every other dialect by the UUID. */
export const uuidToHex = (id: string) => id.replace(/-/g, '');
export function hexToUuid(hex: string): string | null {
  if (!/^[0-9a-f]{32}$/.test(hex)) return null;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
