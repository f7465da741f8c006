import { KmsError, type KeyOperations, type KeyRecord, type KeyRef, type OpContext, type QuotePolicyService, type SecretService, isInternalKey } from '@kms/core';
import { type EhsmReply, MSG, badRequest, serverException } from '../envelope';
import { type EhsmSpec, ehsmSpecOf } from '../keyspecs';

/** What an action gets: the caller's context, the canonical service and its (checked) payload. */
export interface ActionContext {
  op: OpContext;
  keys: KeyOperations;
  payload: Record<string, unknown>;
  /** The action's name, as routed (aliases resolved). */
  action: string;
  secrets: SecretService;
  quotePolicies: QuotePolicyService;
  /** HMAC key of BYOK import tokens (derived from the master key; the same in every replica). */
  importTokenKey: Buffer;
}

export type ActionHandler = (c: ActionContext) => Promise<EhsmReply>;

export interface UsableKey {
  record: KeyRecord;
  spec: EhsmSpec;
  /** What the core operations take: the stored key's id, or a v1 blob's sealed key. */
  ref: KeyRef;
}

/** What the crypto helpers shared by both APIs need of a request. */
export type OpCall = Pick<ActionContext, 'keys' | 'op'>;

/**
 * `find_cmk_by_keyid` of router.js: the vendor's texts for an unknown, foreign, disabled (or
 * pending deletion) or expired key, checked before the operation so that the core's own refusal never has to be
 * reworded. The record comes from the core's cache and writes no audit row.
 */
export async function useKey(c: ActionContext, keyId: unknown): Promise<UsableKey> {
  const record = await lookupKey(c, keyId);
  const spec = ehsmSpecOf(record);
  // A key still waiting for its material (BYOK) or of a spec eHSM cannot name: the enclave's 500.
  if (record.state !== 'enabled' || !spec || !spec.spec) throw serverException();
  return { record, spec, ref: record.id };
}

/** The lookup and state checks of useKey, for any state past them (a BYOK key waiting for material). */
export async function lookupKey(c: ActionContext, keyId: unknown): Promise<KeyRecord> {
  const record = await findKey(c, keyId);
  if (!record) {
    // Upstream tells another app's key from no key at all; the core audits that probe.
    const holder = typeof keyId === 'string' ? await c.keys.holderOf(c.op, keyId) : 'nobody';
    throw badRequest(holder === 'another-tenant' ? MSG.appidError : MSG.keyidError);
  }
  // eHSM knows keyState 1 and 0 only: a key pending deletion is as unusable as a disabled one.
  if (record.state === 'disabled' || record.state === 'pending_deletion') throw badRequest(MSG.keyDisabled);
  if (record.expiresAt !== null && Date.now() > record.expiresAt) throw badRequest(MSG.keyExpired);
  return record;
}

/**
 * The caller's live key, or null when it has none by that id. The gateway's own keys (default
 * secret key, BYOK wrapping keys) are not the client's CMKs: they are reported as unknown.
 */
export async function findKey(c: ActionContext, keyId: unknown): Promise<KeyRecord | null> {
  if (typeof keyId !== 'string') return null;
  try {
    const record = await c.keys.get(c.op, keyId);
    return isInternalKey(record) ? null : record;
  } catch (err) {
    if (err instanceof KmsError && err.code === 'NOT_FOUND') return null;
    throw err;
  }
}

/** Base64 the checker has already validated; absent optional fields are empty. */
export const b64 = (v: unknown): Buffer => (typeof v === 'string' && v !== '' ? Buffer.from(v, 'base64') : Buffer.alloc(0));

/**
 * Destroys a key unless it is already gone: one deleted meanwhile by a concurrent request is as
 * good as deleted. Any other refusal stands. No id: nothing to destroy.
 */
export async function destroyUnlessGone(c: ActionContext, keyId: string | null): Promise<void> {
  if (!keyId) return;
  try {
    await c.keys.destroy(c.op, keyId);
  } catch (err) {
    if (!(err instanceof KmsError && err.code === 'NOT_FOUND')) throw err;
  }
}
