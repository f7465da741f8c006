import { specInfo, type KeyRecord } from '@kms/core';
import { CRYPTOGRAPHIC_ALGORITHM, OBJECT_TYPE, integer, structure, tagName, textString, type Item } from '../../ttlv';
import { KmipFailure, type OperationHandler } from '../operation';
import { children, optional } from '../payload';
import { algorithmOf, objectTypeOf } from './algorithm';
import { isCustom, nameText, v1Attribute, valueOf, type Attr } from './attributes';
import { kmipBag } from './bag';
import { stateCode, stateOf } from './state';
import { encodeValue } from './template';
import { maskOf } from './usage-mask';

/** What a key must have to match one attribute of a Locate; every attribute given must match. */
type Filter = (record: KeyRecord, names: readonly string[]) => boolean;

const FILTERS: Readonly<Record<string, (a: Attr) => Filter>> = {
  Name: (a) => {
    const wanted = nameText(a);
    return (_r, names) => names.includes(wanted);
  },
  'Object Type': (a) => {
    const wanted = valueOf(a, 'Enumeration').value;
    return (r) => OBJECT_TYPE[objectTypeOf(r)] === wanted;
  },
  'Cryptographic Algorithm': (a) => {
    const wanted = valueOf(a, 'Enumeration').value;
    return (r) => {
      const alg = algorithmOf(r);
      return alg !== undefined && CRYPTOGRAPHIC_ALGORITHM[alg] === wanted;
    };
  },
  'Cryptographic Length': (a) => {
    const wanted = valueOf(a, 'Integer').value;
    return (r) => specInfo(r.spec).bits === wanted;
  },
  State: (a) => {
    const wanted = valueOf(a, 'Enumeration').value;
    return (r) => stateCode(stateOf(r)) === wanted;
  },
  'Cryptographic Usage Mask': (a) => {
    const wanted = valueOf(a, 'Integer').value;
    return (r) => ((kmipBag(r).mask ?? maskOf(r.usages, r.exportable)) & wanted) === wanted;
  },
};

function filterOf(a: Attr): Filter {
  if (isCustom(a.name)) {
    const wanted = encodeValue(a.value);
    return (r) => (kmipBag(r).custom?.[a.name] ?? []).includes(wanted);
  }
  const make = FILTERS[a.name];
  if (!make)
    throw new KmipFailure(
      'Invalid Field',
      `Locate by ${a.name} is not served (Name, Object Type, Cryptographic Algorithm, Cryptographic Length, State, Cryptographic Usage Mask, x- attributes)`,
    );
  return make(a);
}

/** The attributes of a Locate: 1.x Attribute items in the payload, or the 2.0 Attributes structure. */
function locateAttributes(payload: Item | null): Attr[] {
  const v1 = children(payload, 'Attribute').map(v1Attribute);
  const v2 = optional(payload, 'Attributes', 'Structure');
  const v2Attrs: Attr[] = v2 && v2.type === 'Structure' ? v2.items.map((item) => ({ name: tagName(item.tag), index: null, value: item })) : [];
  return [...v1, ...v2Attrs];
}

/** The most keys one Locate considers: the tenant's keys are read in one page. */
const SCAN_LIMIT = 10000;

/**
 * Locate: the caller's keys that match every attribute given, oldest first, after Offset Items
 * and up to Maximum Items; Located Items (1.3 and later) counts every match.
 */
export const locate: OperationHandler = async (call, payload) => {
  const filters = locateAttributes(payload).map(filterOf);
  const max = optional(payload, 'Maximum Items', 'Integer')?.value;
  const offset = optional(payload, 'Offset Items', 'Integer')?.value ?? 0;
  if ((max !== undefined && max < 0) || offset < 0) throw new KmipFailure('Invalid Field', 'Maximum Items and Offset Items are not negative');
  const { keys } = await call.ops.list(call.ctx, 0, SCAN_LIMIT);
  const aliases = await call.ops.lifecycle.listAliases(call.ctx);
  const namesByKey = new Map<string, string[]>();
  for (const a of aliases) namesByKey.set(a.keyId, [...(namesByKey.get(a.keyId) ?? []), a.name]);
  const matched = keys.filter((r) => filters.every((f) => f(r, namesByKey.get(r.id) ?? [])));
  const page = matched.slice(offset, max === undefined ? undefined : offset + max);
  const located = call.version.major > 1 || call.version.minor >= 3 ? [integer('Located Items', matched.length)] : [];
  return {
    payload: structure('Response Payload', [...located, ...page.map((r) => textString('Unique Identifier', r.id))]),
    ...(page.length === 1 ? { uniqueIdentifier: page[0].id } : {}),
  };
};
