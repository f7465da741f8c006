import type { KeyRecord, KeyUsage } from '@kms/core';
import type { KmipCall } from '../operation';
import type { KmipBag } from './bag';
import type { Template } from './template';
import { usagesOf } from './usage-mask';

/** Usages and exportability of a new object: its mask (Export bit) or the Extractable attribute. */
export function usagesFrom(t: Template): { usages: KeyUsage[] | undefined; exportable: boolean } {
  const fromMask = t.mask !== undefined ? usagesOf(t.mask) : { usages: undefined, exportable: false };
  return { usages: fromMask.usages, exportable: fromMask.exportable || t.extractable === true };
}

/**
 * KMIP makes objects Pre-Active unless the client gives an Activation Date that has come; the core
 * makes keys enabled. So the bag records the KMIP state, and the key is disabled until Activate.
 */
export function initialBag(t: Template, now = Date.now()): { bag: KmipBag; active: boolean } {
  const active = t.activationDate !== undefined && t.activationDate <= now;
  const bag: KmipBag = {
    ...(active ? { activationDate: t.activationDate } : { state: 'Pre-Active' as const }),
    ...(Object.keys(t.custom).length ? { custom: t.custom } : {}),
  };
  return { bag, active };
}

/**
 * What follows the core's create or import: the key's KMIP state and its names (aliases). If a
 * name is taken the object is destroyed again, so that a refused request leaves nothing behind.
 */
export async function finishMaking(call: KmipCall, record: KeyRecord, t: Template, active: boolean): Promise<KeyRecord> {
  try {
    for (const name of t.names) await call.ops.lifecycle.createAlias(call.ctx, name, record.id);
    return active ? record : await call.ops.setEnabled(call.ctx, record.id, false);
  } catch (err) {
    await call.ops.destroy(call.ctx, record.id).catch(() => {});
    throw err;
  }
}
