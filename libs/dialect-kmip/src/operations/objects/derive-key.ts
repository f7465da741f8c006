import type { KeyRecord, KeyUsage } from '@kms/core';
import { SECRET_DATA_TYPE, structure, textString, type Item } from '../../ttlv';
import { KmipFailure, type KmipCall, type OperationHandler } from '../operation';
import { children, required } from '../payload';
import { objectTypeName, specFor } from './algorithm';
import { attributesIn } from './attributes';
import { saveBag, type KmipBag } from './bag';
import { kdfOf, secretDataUsages } from './derivation';
import { finishMaking, initialBag, usagesFrom } from './making';
import { readTemplate, type Template } from './template';

interface Target {
  spec: string;
  usages: KeyUsage[] | undefined;
  exportable: boolean;
  bag: Partial<KmipBag>;
}

/**
 * The objects Derive Key makes, by one table. A derived object is exportable only when its base
 * is (the core refuses the rest): a Symmetric Key as its attributes ask (Export bit, Extractable),
 * Secret Data, which exists to be handed back, whenever its base is exportable.
 */
const TARGETS: Readonly<Record<string, (t: Template, base: KeyRecord) => Target>> = {
  'Symmetric Key': (t) => {
    if (t.algorithm === undefined) throw new KmipFailure('Invalid Field', 'Cryptographic Algorithm is required');
    const { usages, exportable } = usagesFrom(t);
    return { spec: specFor(t.algorithm, t.length, 'Symmetric Key'), usages, exportable, bag: { algorithm: t.algorithm } };
  },
  'Secret Data': (t, base) => {
    if (t.length === undefined || t.length <= 0 || t.length % 8 !== 0) throw new KmipFailure('Invalid Field', 'Secret Data needs a Cryptographic Length in whole bytes');
    if (t.algorithm !== undefined) throw new KmipFailure('Invalid Field', 'Secret Data has no Cryptographic Algorithm');
    return {
      spec: `secret-${t.length}`,
      usages: secretDataUsages(t.mask),
      exportable: base.exportable,
      bag: { objectType: 'Secret Data', secretDataType: SECRET_DATA_TYPE.Seed, ...(t.mask !== undefined ? { mask: t.mask } : {}) },
    };
  },
};

/** The one base object: its Unique Identifier, or the ID Placeholder. Further ones (Secret Data standing for the Derivation Data) are not served. */
function baseOf(call: KmipCall, payload: Item | null): Promise<KeyRecord> {
  const ids = children(payload, 'Unique Identifier');
  if (ids.length > 1) throw new KmipFailure('Feature Not Supported', 'Derive Key from several base objects (Secret Data as Derivation Data) is not served: name one');
  const [given] = ids;
  if (given !== undefined && given.type !== 'TextString') throw new KmipFailure('Invalid Field', 'Unique Identifier must be a TextString');
  const id = given?.type === 'TextString' ? given.value : call.placeholder;
  if (id === null) throw new KmipFailure('Invalid Field', 'Unique Identifier is required (no ID Placeholder is set)');
  return call.ops.get(call.ctx, id);
}

/**
 * Derive Key (KMIP 1.4 section 4.6): a Symmetric Key or Secret Data from a
 * Symmetric Key or Secret Data the caller holds with the Derive Key usage, by PBKDF2 or HMAC. The
 * core derives where the base material is held and imports the result; the bytes never pass
 * through here. The new object is Pre-Active unless its Activation Date has come, as Create's, and
 * the two objects are linked both ways (Derivation Base Object Link, Derived Key Link).
 */
export const deriveKey: OperationHandler = async (call, payload) => {
  const type = objectTypeName(required(payload, 'Object Type', 'Enumeration').value);
  const target = TARGETS[type];
  if (!target) throw new KmipFailure('Invalid Field', `Derive Key makes a Symmetric Key or Secret Data, not a ${type}`);
  const t = readTemplate(attributesIn(payload, 'Template-Attribute', 'Attributes'));
  const base = await baseOf(call, payload);
  const kdf = kdfOf(payload, base);
  const made = target(t, base);
  const { bag, active } = initialBag(t);
  const record = await call.ops.deriveFromKey(call.ctx, base.id, kdf, {
    spec: made.spec,
    ...(made.usages ? { usages: made.usages } : {}),
    exportable: made.exportable,
    attributes: { kmip: { ...bag, ...made.bag, links: [{ type: 'Derivation Base Object Link', id: base.id }] } },
  });
  const finished = await finishMaking(call, record, t, active);
  try {
    // KMIP: the base object SHALL get a Derived Key Link to the new object.
    await saveBag(call.ops, call.ctx, base, (b) => ({ ...b, links: [...(b.links ?? []), { type: 'Derived Key Link', id: finished.id }] }));
  } catch (err) {
    await call.ops.destroy(call.ctx, finished.id).catch(() => {});
    throw err;
  }
  return { payload: structure('Response Payload', [textString('Unique Identifier', finished.id)]), uniqueIdentifier: finished.id };
};
