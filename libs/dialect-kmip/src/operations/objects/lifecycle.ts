import { wrongKeyState } from '@kms/core';
import { REVOCATION_REASON_CODE, dateOf, structure, textString } from '../../ttlv';
import type { OperationHandler } from '../operation';
import { optional, required } from '../payload';
import { saveBag } from './bag';
import { stateOf } from './state';
import { targetOf } from './target';

const done = (id: string) => ({ payload: structure('Response Payload', [textString('Unique Identifier', id)]), uniqueIdentifier: id });

/** Activate: Pre-Active → Active (the core key is enabled). */
export const activate: OperationHandler = async (call, payload) => {
  const record = await targetOf(call, payload);
  const state = stateOf(record);
  if (state !== 'Pre-Active') throw wrongKeyState(`only a Pre-Active object is activated; this one is ${state}`);
  const dated = await saveBag(call.ops, call.ctx, record, (b) => {
    const { state: _was, ...rest } = b;
    return { ...rest, activationDate: Date.now() };
  });
  await call.ops.setEnabled(call.ctx, dated.id, true);
  return done(record.id);
};

/** Reasons that make a revoked object Compromised; every other reason makes it Deactivated. */
const COMPROMISE = new Set([REVOCATION_REASON_CODE['Key Compromise'], REVOCATION_REASON_CODE['CA Compromise']]);

/** Revoke: Deactivated, or Compromised for a compromise (the core key is disabled either way). */
export const revoke: OperationHandler = async (call, payload) => {
  const record = await targetOf(call, payload);
  const reason = required(required(payload, 'Revocation Reason', 'Structure'), 'Revocation Reason Code', 'Enumeration').value;
  const compromised = COMPROMISE.has(reason);
  const state = stateOf(record);
  if (state === 'Compromised') throw wrongKeyState('the object is already Compromised');
  if (state === 'Deactivated' && !compromised) throw wrongKeyState('the object is already Deactivated');
  const occurred = optional(payload, 'Compromise Occurrence Date', 'DateTime');
  const now = Date.now();
  if (record.state === 'enabled') await call.ops.setEnabled(call.ctx, record.id, false);
  const fresh = await call.ops.get(call.ctx, record.id);
  await saveBag(call.ops, call.ctx, fresh, (b) =>
    compromised ? { ...b, state: 'Compromised', compromiseDate: occurred ? dateOf(occurred.value).getTime() : now } : { ...b, state: 'Deactivated', deactivationDate: now },
  );
  return done(record.id);
};

/** Destroy: the material of every version goes (the core keeps a tombstone); an Active object must be revoked first, as the spec says. */
export const destroy: OperationHandler = async (call, payload) => {
  const record = await targetOf(call, payload);
  if (stateOf(record) === 'Active') throw wrongKeyState('an Active object is revoked before it is destroyed');
  await call.ops.destroy(call.ctx, record.id);
  return done(record.id);
};
