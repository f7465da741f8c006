import { randomUUID } from 'node:crypto';

/** The paths of the dialect: everything under /v1/ but the JOSE dialect's /v1/crypto. */
export const isVaultPath = (path: string) => path.startsWith('/v1/') && !/^\/v1\/crypto(\/|$)/.test(path);

/** Where transit is mounted, as in Vault's default `vault secrets enable transit`. */
export const TRANSIT_MOUNT = 'transit';

/** What a handler answers: data (or none: 204), warnings, and a status other than 200 (a batch with failed items). */
export interface VaultAnswer {
  data: Record<string, unknown> | null;
  warnings?: string[];
  status?: number;
}

/**
 * Vault's response envelope: the fields every client reads around `data`. Ours hold no leases,
 * wrapping or auth, so those are always empty.
 */
export function envelope(answer: VaultAnswer, mountType: string): Record<string, unknown> {
  return {
    request_id: randomUUID(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data: answer.data,
    wrap_info: null,
    warnings: answer.warnings?.length ? answer.warnings : null,
    auth: null,
    mount_type: mountType,
  };
}
