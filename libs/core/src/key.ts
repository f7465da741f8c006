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
  /** Backend-specific reference: sealed material (soft) or the token object id (PKCS#11). */
  backendRef: string | null;
  /** SubjectPublicKeyInfo DER of asymmetric keys. */
  publicKey: Buffer | null;
  label: string | null;
  /** May the material leave the backend (wrapped), e.g. for re-homing? */
  exportable: boolean;
  createdAt: number;
  updatedAt: number;
  expiresAt: number | null;
  deletionAt: number | null;
  /** Dialect-specific attributes (eHSM padding/digest mode, JOSE alg, Encedo type...). */
  attributes: Record<string, unknown>;
  /** Bumped on every change, so that caches of several replicas can tell a stale entry. */
  version: number;
}

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
