import { createHash } from 'node:crypto';
import { specInfo, type KeyRecord } from '@kms/core';
import {
  HASHING_ALGORITHM,
  KEY_FORMAT_TYPE,
  LINK_TYPE,
  byteString,
  NAME_TYPE,
  OBJECT_TYPE,
  CRYPTOGRAPHIC_ALGORITHM,
  boolean,
  dateTime,
  dateTimeOf,
  decode,
  enumeration,
  integer,
  structure,
  textString,
  type Item,
} from '../../ttlv';
import type { KmipCall } from '../operation';
import { algorithmOf, objectTypeOf } from './algorithm';
import type { Attr } from './attributes';
import { kmipBag } from './bag';
import { stateCode, stateOf } from './state';
import { maskOf } from './usage-mask';

const V = 'Attribute Value';
const at = (ms: number): Item => dateTime(V, dateTimeOf(new Date(ms)));
const one = (name: string, value: Item): Attr => ({ name, index: null, value });

/** The names (aliases) of a key, oldest first: the Name attribute's instances, by index. */
export async function namesOf(call: KmipCall, record: KeyRecord): Promise<string[]> {
  const aliases = await call.ops.lifecycle.listAliases(call.ctx, record.id);
  return aliases.sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name)).map((a) => a.name);
}

export const nameValue = (name: string): Item => structure(V, [textString('Name Value', name), enumeration('Name Type', NAME_TYPE['Uninterpreted Text String'])]);

/**
 * Attributes answered only when asked for by name: PyKMIP 0.10, the reference client, cannot
 * decode a Link or an Extractable in an answer, so an all-attributes answer leaves them out.
 */
export const ON_REQUEST = new Set(['Link', 'Extractable']);

/** Every attribute of a key (docs/kmip.md "Attributes"); Get Attributes without names drops ON_REQUEST. */
export async function recordAttributes(call: KmipCall, record: KeyRecord): Promise<Attr[]> {
  const bag = kmipBag(record);
  const type = objectTypeOf(record);
  const algorithm = algorithmOf(record);
  const names = await namesOf(call, record);
  const state = stateOf(record);
  const activation = bag.activationDate ?? (state === 'Active' ? record.createdAt : undefined);
  const attrs: Attr[] = [
    one('Unique Identifier', textString(V, record.id)),
    ...names.map((n, index) => ({ name: 'Name', index, value: nameValue(n) })),
    one('Object Type', enumeration(V, OBJECT_TYPE[type])),
    ...(type !== 'Secret Data' && algorithm !== undefined && CRYPTOGRAPHIC_ALGORITHM[algorithm] !== undefined
      ? [one('Cryptographic Algorithm', enumeration(V, CRYPTOGRAPHIC_ALGORITHM[algorithm]))]
      : []),
    ...(type !== 'Secret Data' ? [one('Cryptographic Length', integer(V, specInfo(record.spec).bits))] : []),
    one('Cryptographic Usage Mask', integer(V, bag.mask ?? maskOf(record.usages, record.exportable))),
    one('State', enumeration(V, stateCode(state))),
    one('Initial Date', at(record.createdAt)),
    ...(activation !== undefined ? [one('Activation Date', at(activation))] : []),
    ...(bag.deactivationDate !== undefined ? [one('Deactivation Date', at(bag.deactivationDate))] : []),
    ...(bag.compromiseDate !== undefined ? [one('Compromise Date', at(bag.compromiseDate))] : []),
    one('Last Change Date', at(record.updatedAt)),
    // Digest where it costs nothing secret: a public key's, over its X.509 (SubjectPublicKeyInfo) form.
    ...(type === 'Public Key' && record.publicKey
      ? [
          one(
            'Digest',
            structure(V, [
              enumeration('Hashing Algorithm', HASHING_ALGORITHM['SHA-256']),
              byteString('Digest Value', createHash('sha256').update(record.publicKey).digest()),
              enumeration('Key Format Type', KEY_FORMAT_TYPE['X.509']),
            ]),
          ),
        ]
      : []),
    one('Extractable', boolean(V, record.exportable)),
    ...(bag.links ?? []).map((l, index) => ({
      name: 'Link',
      index,
      value: structure(V, [enumeration('Link Type', LINK_TYPE[l.type]), textString('Linked Object Identifier', l.id)]),
    })),
    ...Object.entries(bag.custom ?? {}).flatMap(([name, values]) => values.map((v, index) => ({ name, index, value: decode(Buffer.from(v, 'base64')) }))),
  ];
  return attrs;
}
