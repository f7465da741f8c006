import { type KeyRecord, specInfo } from '@kms/core';
import { keyArn } from '../arn';
import { AwsError } from '../errors';
import { seconds } from '../metadata';
import type { AwsAction, AwsCall } from './context';
import { keyOnly, lookup } from './keys';

const DAY_MS = 86_400_000;
/** AWS: automatic rotation every 90 to 2560 days, 365 by default. */
const PERIOD_DAYS = { min: 90, max: 2560, default: 365 };

/** AWS rotates symmetric encryption keys only (not HMAC, asymmetric, or imported ones). */
async function rotatable(c: AwsCall, id: string) {
  const r = await lookup(c, id);
  const info = specInfo(r.spec);
  if (info.family !== 'aes' || !r.usages.includes('encrypt'))
    throw new AwsError('UnsupportedOperationException', 'Key rotation is supported for symmetric encryption KMS keys only.');
  if (r.origin !== 'generated') throw new AwsError('UnsupportedOperationException', 'Key rotation is not supported for KMS keys with imported key material.');
  return r;
}

/** AWS enables rotation of, and rotates, enabled keys only: DisabledException, or KMSInvalidStateException (pending deletion). */
function mustBeEnabled(r: KeyRecord): void {
  if (r.state !== 'enabled') throw new AwsError(r.state === 'disabled' ? 'DisabledException' : 'KMSInvalidStateException', `The key is ${r.state.replace('_', ' ')}.`);
}

const arn = (c: AwsCall, id: string) => keyArn(c.caller.region, c.caller.account, id);

export const ROTATION_ACTIONS: Record<string, AwsAction> = {
  EnableKeyRotation: async (c) => {
    const r = await rotatable(c, keyOnly(c));
    const days = c.input.integer('RotationPeriodInDays', { min: PERIOD_DAYS.min, max: PERIOD_DAYS.max }) ?? PERIOD_DAYS.default;
    mustBeEnabled(r);
    await c.keys.lifecycle.setRotation(c.caller, r.id, days * DAY_MS);
    return {};
  },
  DisableKeyRotation: async (c) => {
    const r = await rotatable(c, keyOnly(c));
    await c.keys.lifecycle.setRotation(c.caller, r.id, null);
    return {};
  },
  GetKeyRotationStatus: async (c) => {
    const r = await lookup(c, keyOnly(c));
    return {
      KeyId: arn(c, r.id),
      KeyRotationEnabled: r.rotation !== null,
      ...(r.rotation ? { RotationPeriodInDays: Math.round(r.rotation.periodMs / DAY_MS), NextRotationDate: seconds(r.rotation.nextAt) } : {}),
    };
  },
  RotateKeyOnDemand: async (c) => {
    const r = await rotatable(c, keyOnly(c));
    mustBeEnabled(r);
    await c.keys.lifecycle.rotate(c.caller, r.id);
    return { KeyId: r.id };
  },
  ListKeyRotations: async (c) => {
    const id = keyOnly(c);
    const limit = c.input.integer('Limit', { min: 1, max: 1000 }) ?? 100;
    const offset = Number(c.input.string('Marker', { min: 1, max: 1024 }) ?? 0);
    if (!Number.isInteger(offset) || offset < 0) throw new AwsError('InvalidMarkerException', 'The marker is not one this service returned');
    const { record, versions } = await c.keys.lifecycle.versions(c.caller, id);
    // Every version after the first is a rotation.
    const rotations = versions.filter((v) => v.version > 1 && v.state !== 'pending');
    const page = rotations.slice(offset, offset + limit);
    const more = offset + page.length < rotations.length;
    return {
      Rotations: page.map((v) => ({ KeyId: record.id, RotationDate: seconds(v.createdAt), RotationType: v.madeBy === 'scheduler' ? 'AUTOMATIC' : 'ON_DEMAND' })),
      Truncated: more,
      ...(more ? { NextMarker: String(offset + page.length) } : {}),
    };
  },
};
