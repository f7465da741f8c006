import type { Challenges } from './auth/challenges';

/** What the gateway decides for the Encedo dialect (see docs/encedo.md, "Choices"). */
export interface EncedoDialectOptions {
  /** Answer 418 to keymgmt/crypto requests that did not arrive over TLS (X-Forwarded-Proto counts). */
  requireTls: boolean;
  /** Token lifetime when the eJWT asks for `exp: 0`, and the cap on any requested lifetime (seconds). */
  tokenLifetimeS: number;
  tokenMaxLifetimeS: number;
  /**
   * The device's `allow_keysearch`: the tenant (name or id) whose keys a token-less `^` search of
   * at least 6 bytes may list (TESTER and the manager search without a token); null = off.
   */
  keysearchTenant?: string | null;
  /**
   * Stable secrets from the master key: the device identity (`eid`) and the bearer-token key. Being
   * derived, they are the same after a restart, in every replica, and in the admin CLI.
   */
  identitySeed: Buffer;
  tokenKey: Buffer;
  /**
   * Replicas: the session key (`spk`) scalar, derived from the master key so that every replica
   * shows the same `spk`, and a challenge store they share. Absent: a random `spk` per process and
   * challenges in memory, as the device does.
   */
  sessionKey?: Buffer;
  challenges?: Challenges;
}

export const ENCEDO_OPTIONS = Symbol('ENCEDO_OPTIONS');

/** Labels for Sealer.derive: changing one changes every user's registered key, so they are fixed. */
export const DERIVE_LABELS = { identity: 'encedo/eid/v1', token: 'encedo/token-key/v1', session: 'encedo/session-key/v1' } as const;
