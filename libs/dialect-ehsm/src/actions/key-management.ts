import { randomUUID } from 'node:crypto';
import { INTERNAL_KEY_ATTRIBUTE, isInternalKey } from '@kms/core';
import { MSG, badRequest, ok, serverException } from '../envelope';
import { fieldValue } from '../checker';
import { jsToString } from '../sign-string';
import { KEYSPECS, KEYUSAGE_ENCRYPT, KEYUSAGE_SIGN, PURPOSES, USAGES, ehsmAttributes } from '../keyspecs';
import { type ActionHandler, destroyUnlessGone, findKey } from './context';

/** Upstream keys expire a year after creation (`CMK_EFFECTIVE_DURATION`). */
export const KEY_LIFETIME_MS = 365 * 24 * 60 * 60 * 1000;

const USAGE_OF: Record<string, 'encrypt' | 'sign'> = { [KEYUSAGE_ENCRYPT]: 'encrypt', [KEYUSAGE_SIGN]: 'sign' };

/** A value the client sent, or null for none ('' and null count as none, as in the checker). */
const sent = (v: unknown) => (v === undefined || v === null || v === '' ? null : v);

const createKey: ActionHandler = async (c) => {
  const keyspec = fieldValue(c.action, c.payload, 'keyspec') as string;
  const origin = c.payload.origin as string;
  // The 2023 document's `purpose` stands in for the later `keyusage` when that is absent.
  const keyusage = sent(c.payload.keyusage) ?? PURPOSES[jsToString(c.payload.purpose)] ?? null;
  const eh = KEYSPECS.get(keyspec)!;
  // Not in the checker upstream: a bad keyusage reaches the enclave, which answers 500.
  const mode = keyusage === null ? 'absent' : USAGE_OF[jsToString(keyusage)];
  const usages = mode ? USAGES[eh.kind][mode] : null;
  if (!eh.spec || !usages) throw serverException();
  // EH_EXTERNAL_KEY (BYOK): an empty key that GetParametersForImport/ImportKeyMaterial fill. Only
  // symmetric keys can be imported upstream; an empty asymmetric key could never be used.
  const external = origin === 'EH_EXTERNAL_KEY';
  if (external && eh.kind !== 'sym') throw serverException();
  const now = Date.now();
  const record = await c.keys.create(c.op, {
    id: randomUUID(),
    spec: eh.spec,
    usages,
    origin: external ? 'external' : 'generated',
    expiresAt: now + KEY_LIFETIME_MS,
    attributes: {
      ehsm: {
        keyspec,
        origin,
        keyusage: mode === 'absent' ? null : keyusage,
        padding_mode: sent(fieldValue(c.action, c.payload, 'padding_mode')),
        digest_mode: sent(fieldValue(c.action, c.payload, 'digest_mode')),
      },
    },
  });
  return ok({ keyid: record.id });
};

const listKey: ActionHandler = async (c) => {
  const { keys } = await c.keys.list(c.op);
  const list = [];
  for (const k of keys) {
    const a = isInternalKey(k) ? null : ehsmAttributes(k);
    if (!a) continue;
    list.push({
      keyid: k.id,
      creationDate: k.createdAt,
      // Keys made here expire at creation + 1 year (set a millisecond before the row's createdAt).
      expireTime: k.attributes?.ehsm || k.expiresAt === null ? k.createdAt + KEY_LIFETIME_MS : k.expiresAt,
      alias: '',
      keyspec: a.keyspec,
      keyState: k.state === 'enabled' ? 1 : 0,
    });
  }
  return ok({ list }, MSG.nodeOk);
};

/** Upstream deletes by (keyid, creator): an unknown or foreign id deletes nothing and succeeds. */
const deleteKey: ActionHandler = async (c) => {
  const record = await findKey(c, c.payload.keyid);
  if (record) {
    await destroyUnlessGone(c, record.id);
    const wrapping = (record.attributes?.byok as { wrappingKeyId?: unknown } | undefined)?.wrappingKeyId;
    if (typeof wrapping === 'string') await destroyUnlessGone(c, wrapping);
  }
  return ok({}, MSG.nodeOk);
};

/** Every CMK of the app, and pending BYOK wrapping keys; not the default secret key (as upstream). */
const deleteAllKey: ActionHandler = async (c) => {
  const { keys } = await c.keys.list(c.op, 0, 10000, { includeInternal: true });
  for (const k of keys) if (k.attributes?.[INTERNAL_KEY_ATTRIBUTE] !== 'secret-default') await destroyUnlessGone(c, k.id);
  return ok({}, MSG.nodeOk);
};

const setEnabled =
  (enabled: boolean): ActionHandler =>
  async (c) => {
    const record = await findKey(c, c.payload.keyid);
    if (!record) throw badRequest(MSG.keyNotFound);
    await c.keys.setEnabled(c.op, record.id, enabled);
    return ok({}, MSG.nodeOk);
  };

export const KEY_MANAGEMENT: Record<string, ActionHandler> = {
  CreateKey: createKey,
  ListKey: listKey,
  DeleteKey: deleteKey,
  DeleteAllKey: deleteAllKey,
  EnableKey: setEnabled(true),
  DisableKey: setEnabled(false),
};
