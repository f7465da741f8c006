import { KmsError, type SecretRecord } from '@kms/core';
import { checkPayload } from '../checker';
import { MSG, badRequest, ok, serverException } from '../envelope';
import type { ActionContext, ActionHandler } from './context';

/**
 * The secret manager (`secret_manager_apis.js` at 3454cac) over the canonical SecretService:
 * the vendor's messages and result shapes, names and values stored as given (any printable
 * text round-trips), values sealed under the named CMK or the app's default secret key.
 */

const HOUR = 3_600_000;
const UNIT_MS: Record<string, number> = { d: 24 * HOUR, h: HOUR, m: 60_000, s: 1000 };
const MIN_ROTATION = 6 * HOUR;
const MAX_ROTATION = 8760 * HOUR;
const DEFAULT_RECOVERY_DAYS = 30;

/** Runs the checker even when the client sent no payload (upstream's would crash on it). */
function payloadOf(c: ActionContext): Record<string, unknown> {
  checkPayload(c.action, c.payload);
  return c.payload;
}

/** Whether a KmsError has this code; anything else is rethrown by the caller. */
const is = (err: unknown, code: string) => err instanceof KmsError && err.code === code;

const DEFAULT_ROTATION = '30d';

const createSecret: ActionHandler = async (c) => {
  const p = payloadOf(c) as { secretName: string; secretData: string; encryptionKeyId?: string; description?: string; rotationInterval?: string };
  // The document's default ('30d'); the vendor's code applies none and describes no rotation.
  const interval = p.rotationInterval || DEFAULT_ROTATION;
  // The vendor's regex lets a ',' through as a unit (`[d,h,m,s]`); it is not one.
  const m = /^(\d{1,4})([dhms])$/.exec(interval);
  if (!m) throw badRequest('Parameter invalid, The rotationInterval format wrong.');
  const ms = Number(m[1]) * UNIT_MS[m[2]];
  if (ms < MIN_ROTATION || ms > MAX_ROTATION) throw badRequest('The rotation time is less than 6 hours or more than 8760 hours');
  // No rotation job runs upstream either: the dates are informational (docs/ehsm.md).
  const rotation = { interval, periodMs: ms };
  try {
    await c.secrets.create(c.op, {
      name: p.secretName,
      value: Buffer.from(p.secretData, 'utf8'),
      description: p.description ? p.description : null,
      encryptionKeyId: p.encryptionKeyId || null,
      rotation,
    });
  } catch (err) {
    if (is(err, 'ALREADY_EXISTS')) throw badRequest('Secret name already exists, cannot use the same secret name');
    if (is(err, 'NOT_FOUND')) throw badRequest(p.encryptionKeyId ? 'Cannot find cmk by keyid.' : 'Cannot find default CMK.');
    // A CMK that is not a symmetric encrypt/decrypt key: the enclave's refusal upstream.
    if (is(err, 'INVALID_ARGUMENT')) throw serverException();
    throw err;
  }
  return ok({}, `The ${p.secretName} create success.`);
};

const updateSecretDesc: ActionHandler = async (c) => {
  const p = payloadOf(c) as { secretName: string; description?: string };
  try {
    // An omitted description removes it, as upstream.
    await c.secrets.setDescription(c.op, p.secretName, p.description ? p.description : null);
  } catch (err) {
    if (is(err, 'NOT_FOUND')) throw badRequest('Cannot find secretName');
    if (is(err, 'WRONG_KEY_STATE')) throw badRequest('Can not modify a deleted secret.');
    throw err;
  }
  return ok({}, 'Update secret description success.');
};

const putSecretValue: ActionHandler = async (c) => {
  const p = payloadOf(c) as { secretName: string; secretData: string };
  try {
    await c.secrets.putValue(c.op, p.secretName, Buffer.from(p.secretData, 'utf8'));
  } catch (err) {
    if (is(err, 'NOT_FOUND') && (await c.secrets.find(c.op, p.secretName)) === null) throw badRequest('Can not find secretName');
    if (is(err, 'WRONG_KEY_STATE') && (await c.secrets.find(c.op, p.secretName))?.deletedAt) throw badRequest('Can not put value for a deleted secret.');
    throw err;
  }
  return ok({}, `The ${p.secretName} new version put success.`);
};

const listSecretVersionIds: ActionHandler = async (c) => {
  const p = payloadOf(c) as { secretName: string };
  const versions = await c.secrets.listVersions(c.op, p.secretName);
  return ok(
    { secretName: p.secretName, totalCount: versions.length, versionIds: versions.map((v) => ({ versionId: v.version, createTime: v.createdAt })) },
    'List secret versionIds success.',
  );
};

/** Keys present only when set, as upstream builds them. */
function summary(s: SecretRecord): Record<string, unknown> {
  return {
    secretName: s.name,
    ...(s.description !== null ? { description: s.description } : {}),
    createTime: s.createdAt,
    ...(s.plannedDeleteAt !== null ? { plannedDeleteTime: s.plannedDeleteAt } : {}),
  };
}

const listSecrets: ActionHandler = async (c) => {
  const p = payloadOf(c) as { secretName?: string };
  const list = await c.secrets.list(c.op, p.secretName ? p.secretName : undefined);
  return ok({ totalCount: list.length, secretList: list.map(summary) }, 'List secrets success.');
};

const describeSecret: ActionHandler = async (c) => {
  const p = payloadOf(c) as { secretName: string };
  const s = await c.secrets.find(c.op, p.secretName);
  if (!s) return ok({}, 'Describe secrets success.');
  const rotation = s.rotationInterval !== null ? { rotationInterval: s.rotationInterval, lastRotationDate: s.lastRotationAt ?? '', nextRotationDate: s.nextRotationAt ?? '' } : {};
  return ok({ ...summary(s), ...rotation }, 'Describe secrets success.');
};

const deleteSecret: ActionHandler = async (c) => {
  const p = payloadOf(c) as { secretName: string; recoveryPeriod?: number; forceDelete?: string };
  if (p.forceDelete !== undefined && p.forceDelete !== null && p.forceDelete !== '' && !['true', 'false'].includes(p.forceDelete.toLowerCase())) {
    throw badRequest('The forceDelete must be true or false');
  }
  try {
    // Only the exact "true" deletes at once, as upstream: "TRUE" passes the check but soft-deletes
    // (the recoverable outcome; documented in docs/ehsm.md).
    if (p.forceDelete === 'true') {
      await c.secrets.deleteNow(c.op, p.secretName);
      return ok({}, `The ${p.secretName} delete success`);
    }
    const days = p.recoveryPeriod ?? DEFAULT_RECOVERY_DAYS;
    await c.secrets.scheduleDeletion(c.op, p.secretName, days);
    return ok({}, `The ${p.secretName} will be deleted after ${days} days.`);
  } catch (err) {
    if (is(err, 'NOT_FOUND')) throw badRequest('Delete error, Can not find the secretName');
    throw err;
  }
};

const getSecretValue: ActionHandler = async (c) => {
  const p = payloadOf(c) as { secretName: string; versionId?: number };
  let v;
  try {
    v = await c.secrets.getValue(c.op, p.secretName, p.versionId ?? undefined);
  } catch (err) {
    if (is(err, 'NOT_FOUND') || is(err, 'WRONG_KEY_STATE')) {
      // A deleted secret, or an unknown one; but a disabled CMK keeps its own text.
      const s = await c.secrets.find(c.op, p.secretName);
      if (!s || s.deletedAt !== null) throw badRequest(`Can't find the ${p.secretName}'s value.`);
    }
    throw err;
  }
  if (!v) return ok({}, MSG.nodeOk);
  try {
    return ok({ secretName: v.secret.name, secretData: v.value.toString('utf8'), versionId: v.version, createTime: v.createdAt }, MSG.nodeOk);
  } finally {
    v.value.fill(0);
  }
};

const restoreSecret: ActionHandler = async (c) => {
  const p = payloadOf(c) as { secretName: string };
  try {
    await c.secrets.restore(c.op, p.secretName);
  } catch (err) {
    if (is(err, 'NOT_FOUND')) throw badRequest('Can not restore secret, the secretName not find.');
    throw err;
  }
  return ok({}, `The ${p.secretName} restore success.`);
};

export const SECRETS: Record<string, ActionHandler> = {
  CreateSecret: createSecret,
  UpdateSecretDesc: updateSecretDesc,
  PutSecretValue: putSecretValue,
  ListSecretVersionIds: listSecretVersionIds,
  ListSecrets: listSecrets,
  DescribeSecret: describeSecret,
  DeleteSecret: deleteSecret,
  GetSecretValue: getSecretValue,
  RestoreSecret: restoreSecret,
};
