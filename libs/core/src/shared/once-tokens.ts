/**
 * Single-use tokens that every process serving the same apps must agree on ("this eHSM request
 * was already accepted", "this Encedo challenge is outstanding"). Two homes: the store
 * (`OnceStore`, shared by replicas) and the memory of the gateway's primary process
 * (`MemoryOnceTokens`, reached from its workers through `IpcOnceTokens`).
 */
export interface OnceTokens {
  /** Records the token until `expiresAt` (ms); false when a live record of it exists already. */
  claim(scope: string, token: string, expiresAt: number): Promise<boolean>;
  /** Is there a live record of the token? */
  exists(scope: string, token: string): Promise<boolean>;
  /** Removes a live token; true for the one caller that removed it. */
  take(scope: string, token: string): Promise<boolean>;
  /** Forgets expired tokens; returns how many went. */
  sweep(): Promise<number>;
}

/** Thrown when the memory holding single-use tokens is full: the caller refuses (fail closed). */
export class OnceTokensFull extends Error {}
