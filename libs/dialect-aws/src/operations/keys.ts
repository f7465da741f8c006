import { type KeyRecord, specInfo } from '@kms/core';
import { keyArn, keyRefOf } from '../arn';
import { AwsError, toAwsError, validation } from '../errors';
import { KEY_SPECS, USAGES, USAGES_OF_SPEC, type AwsKeyUsage, awsKeySpec, awsKeyUsage } from '../key-specs';
import { algorithms, keyMetadata, seconds } from '../metadata';
import type { AwsAction, AwsCall } from './context';

/** The key a request names, where an alias is allowed (DescribeKey, Encrypt, ...). */
export const keyOrAlias = (c: AwsCall, field = 'KeyId') => keyRefOf(c.input.string(field, { required: true }), 'key-or-alias', c.caller.account);
/** The key a key-management request names: a key id or key ARN only, as AWS requires. */
export const keyOnly = (c: AwsCall, field = 'KeyId') => keyRefOf(c.input.string(field, { required: true }), 'key', c.caller.account);

/**
 * A key looked up before its operation (to check its kind, or compare it with the key a blob
 * names). A refusal here is the dialect's own, audited by the codec: no core operation ran.
 */
export async function lookup(c: AwsCall, ref: string): Promise<KeyRecord> {
  try {
    return await c.keys.get(c.caller, ref);
  } catch (err) {
    const out = toAwsError(err);
    out.audited = false;
    throw out;
  }
}

const metadata = (c: AwsCall, r: KeyRecord) => ({ KeyMetadata: keyMetadata(c.caller, r) });

/** AWS KMS lists and pages keys 1000 at most per call; Marker is the offset, opaque to clients. */
const LIST_LIMIT = { min: 1, max: 1000, default: 100 };

export const KEY_ACTIONS: Record<string, AwsAction> = {
  CreateKey: async (c) => {
    const keySpec =
      c.input.string('KeySpec', { oneOf: Object.keys(KEY_SPECS) }) ?? c.input.string('CustomerMasterKeySpec', { oneOf: Object.keys(KEY_SPECS) }) ?? 'SYMMETRIC_DEFAULT';
    const usage = c.input.string('KeyUsage', { oneOf: Object.keys(USAGES) }) as AwsKeyUsage | undefined;
    const fits = USAGES_OF_SPEC[keySpec];
    const keyUsage = usage ?? fits.default;
    if (!keyUsage) throw validation(`KeyUsage is required for KeySpec ${keySpec}: one of ${fits.allowed.join(', ')}`);
    if (!fits.allowed.includes(keyUsage)) throw validation(`KeyUsage ${keyUsage} is not compatible with KeySpec ${keySpec}`);
    // AWS offers SM2 key agreement (China Regions); the core derives with ECDH on the NIST curves only.
    if (keySpec === 'SM2' && keyUsage === 'KEY_AGREEMENT') throw new AwsError('UnsupportedOperationException', 'KeyUsage KEY_AGREEMENT is not supported for SM2 keys');
    const origin = c.input.string('Origin', { oneOf: ['AWS_KMS', 'EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'] }) ?? 'AWS_KMS';
    if (origin !== 'AWS_KMS' && origin !== 'EXTERNAL') throw new AwsError('UnsupportedOperationException', `Origin ${origin} is not supported: custom key stores are not served`);
    if (origin === 'EXTERNAL' && keySpec !== 'SYMMETRIC_DEFAULT')
      throw new AwsError('UnsupportedOperationException', 'Imported key material is supported for SYMMETRIC_DEFAULT keys only');
    if (c.input.boolean('MultiRegion')) throw new AwsError('UnsupportedOperationException', 'Multi-Region keys are not supported');
    c.input.string('Policy', { max: 131072 });
    const record = await c.keys.create(c.caller, {
      spec: KEY_SPECS[keySpec],
      usages: USAGES[keyUsage],
      origin: origin === 'EXTERNAL' ? 'external' : 'generated',
      description: c.input.string('Description', { max: 8192 }) ?? null,
      tags: c.input.tags('Tags'),
      exportable: origin === 'EXTERNAL',
    });
    return metadata(c, record);
  },
  DescribeKey: async (c) => metadata(c, await lookup(c, keyOrAlias(c))),
  ListKeys: async (c) => {
    const limit = c.input.integer('Limit', { min: LIST_LIMIT.min, max: LIST_LIMIT.max }) ?? LIST_LIMIT.default;
    const offset = markerOffset(c.input.string('Marker', { min: 1, max: 1024 }));
    const { keys, total } = await c.keys.list(c.caller, offset, limit);
    const more = offset + keys.length < total;
    return {
      Keys: keys.map((k) => ({ KeyId: k.id, KeyArn: keyArn(c.caller.region, c.caller.account, k.id) })),
      Truncated: more,
      ...(more ? { NextMarker: String(offset + keys.length) } : {}),
    };
  },
  UpdateKeyDescription: async (c) => {
    const id = keyOnly(c);
    await c.keys.lifecycle.describe(c.caller, id, c.input.string('Description', { required: true, max: 8192 }));
    return {};
  },
  EnableKey: async (c) => {
    await c.keys.setEnabled(c.caller, keyOnly(c), true);
    return {};
  },
  DisableKey: async (c) => {
    await c.keys.setEnabled(c.caller, keyOnly(c), false);
    return {};
  },
  ScheduleKeyDeletion: async (c) => {
    const id = keyOnly(c);
    const days = c.input.integer('PendingWindowInDays', { min: 7, max: 30 }) ?? 30;
    const r = await c.keys.lifecycle.scheduleDeletion(c.caller, id, days);
    return { KeyId: keyArn(c.caller.region, c.caller.account, r.id), DeletionDate: seconds(r.deletionAt ?? 0), KeyState: 'PendingDeletion', PendingWindowInDays: days };
  },
  CancelKeyDeletion: async (c) => {
    const r = await c.keys.lifecycle.cancelDeletion(c.caller, keyOnly(c));
    return { KeyId: keyArn(c.caller.region, c.caller.account, r.id) };
  },
  GetPublicKey: async (c) => {
    const named = await lookup(c, keyOrAlias(c));
    if (specInfo(named.spec).symmetric) throw new AwsError('UnsupportedOperationException', 'GetPublicKey is not valid for a symmetric KMS key.');
    // AWS gives the public key of enabled keys only, as for any use of the key.
    if (named.state === 'disabled') throw new AwsError('DisabledException', 'The key is disabled.');
    if (named.state !== 'enabled') throw new AwsError('KMSInvalidStateException', `The key is ${named.state.replace('_', ' ')}.`);
    const { record, spki } = await c.keys.getPublicKey(c.caller, named.id);
    const usage = awsKeyUsage(record);
    return {
      KeyId: keyArn(c.caller.region, c.caller.account, record.id),
      PublicKey: spki.toString('base64'),
      CustomerMasterKeySpec: awsKeySpec(record.spec) ?? record.spec.toUpperCase(),
      KeySpec: awsKeySpec(record.spec) ?? record.spec.toUpperCase(),
      KeyUsage: usage,
      ...algorithms(usage, specInfo(record.spec).family, record.spec),
    };
  },
};

function markerOffset(marker: string | undefined): number {
  if (marker === undefined) return 0;
  if (!/^\d{1,9}$/.test(marker)) throw new AwsError('InvalidMarkerException', 'The marker is not one this service returned');
  return Number(marker);
}
