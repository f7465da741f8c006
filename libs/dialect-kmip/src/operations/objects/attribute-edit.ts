import type { KeyRecord } from '@kms/core';
import { decode, structure, tagName, textString, type Item } from '../../ttlv';
import { KmipFailure, type KmipCall, type OperationHandler } from '../operation';
import { children, optional, required } from '../payload';
import { attributeItem, isCustom, nameText, v1Attribute, type Attr } from './attributes';
import { kmipBag, saveBag } from './bag';
import { nameValue, namesOf } from './record-attributes';
import { encodeValue } from './template';
import { targetOf } from './target';

/**
 * Add, Modify and Delete Attribute on the attributes a client owns: Name (the key's aliases) and
 * custom `x-` attributes. The others are the server's (state, dates, algorithm...) or fixed at
 * creation, and are refused.
 */
const readOnly = (name: string) => new KmipFailure('Invalid Field', `attribute ${name} cannot be changed by Add, Modify or Delete Attribute (Name and x- attributes can)`);

/** The attribute of a 1.x payload (Attribute) or a 2.0 one (New Attribute / Current Attribute, one attribute inside). */
function attributeIn(payload: Item | null, v2: string): Attr {
  const v1 = optional(payload, 'Attribute', 'Structure');
  if (v1) return v1Attribute(v1);
  const wrapper = required(payload, v2, 'Structure');
  if (wrapper.type !== 'Structure' || wrapper.items.length !== 1) throw new KmipFailure('Invalid Field', `${v2} holds one attribute`);
  const [item] = wrapper.items;
  // KMIP 2.0 tags attributes; custom ones are Vendor Attributes, not served here.
  const name = tagName(item.tag);
  if (name !== 'Name') throw readOnly(name);
  return { name, index: null, value: item };
}

function answer(call: KmipCall, record: KeyRecord, attr: Attr | null) {
  const item = attr && call.version.major < 2 ? attributeItem(attr, call.version) : null;
  return { payload: structure('Response Payload', [textString('Unique Identifier', record.id), ...(item ? [item] : [])]), uniqueIdentifier: record.id };
}

export const addAttribute: OperationHandler = async (call, payload) => {
  const record = await targetOf(call, payload);
  const attr = attributeIn(payload, 'New Attribute');
  if (attr.name === 'Name') {
    const name = nameText(attr);
    await call.ops.lifecycle.createAlias(call.ctx, name, record.id);
    const index = (await namesOf(call, record)).indexOf(name);
    return answer(call, record, { ...attr, index });
  }
  if (!isCustom(attr.name)) throw readOnly(attr.name);
  const values = kmipBag(record).custom?.[attr.name] ?? [];
  await saveBag(call.ops, call.ctx, record, (b) => ({ ...b, custom: { ...b.custom, [attr.name]: [...values, encodeValue(attr.value)] } }));
  return answer(call, record, { ...attr, index: values.length });
};

export const modifyAttribute: OperationHandler = async (call, payload) => {
  const record = await targetOf(call, payload);
  const attr = attributeIn(payload, 'New Attribute');
  const index = attr.index ?? 0;
  if (attr.name === 'Name') {
    const names = await namesOf(call, record);
    // 2.0 names the instance by its value (Current Attribute), 1.x by its index.
    const current = children(payload, 'Current Attribute').length ? nameText(attributeIn(payload, 'Current Attribute')) : names[index];
    if (current === undefined || !names.includes(current)) throw new KmipFailure('Item Not Found', `the key has no such Name`);
    const name = nameText(attr);
    await call.ops.lifecycle.createAlias(call.ctx, name, record.id);
    await call.ops.lifecycle.deleteAlias(call.ctx, current);
    return answer(call, record, { ...attr, index: (await namesOf(call, record)).indexOf(name) });
  }
  if (!isCustom(attr.name)) throw readOnly(attr.name);
  const values = kmipBag(record).custom?.[attr.name] ?? [];
  if (index >= values.length) throw new KmipFailure('Item Not Found', `the key has no ${attr.name} of index ${index}`);
  const next = values.map((v, i) => (i === index ? encodeValue(attr.value) : v));
  await saveBag(call.ops, call.ctx, record, (b) => ({ ...b, custom: { ...b.custom, [attr.name]: next } }));
  return answer(call, record, { ...attr, index });
};

export const deleteAttribute: OperationHandler = async (call, payload) => {
  const record = await targetOf(call, payload);
  // 1.x: Attribute Name and Attribute Index; 2.0: Current Attribute (by value) or Attribute Reference.
  const name =
    optional(payload, 'Attribute Name', 'TextString')?.value ?? (children(payload, 'Current Attribute').length ? attributeIn(payload, 'Current Attribute').name : undefined);
  if (name === undefined) throw new KmipFailure('Invalid Field', 'Attribute Name is required');
  const index = optional(payload, 'Attribute Index', 'Integer')?.value ?? 0;
  if (name === 'Name') {
    const names = await namesOf(call, record);
    const current = children(payload, 'Current Attribute').length ? nameText(attributeIn(payload, 'Current Attribute')) : names[index];
    if (current === undefined || !names.includes(current)) throw new KmipFailure('Item Not Found', `the key has no such Name`);
    await call.ops.lifecycle.deleteAlias(call.ctx, current);
    // 1.x answers with the attribute deleted.
    return answer(call, record, { name: 'Name', index: names.indexOf(current), value: nameValue(current) });
  }
  if (!isCustom(name)) throw readOnly(name);
  const values = kmipBag(record).custom?.[name] ?? [];
  if (index >= values.length) throw new KmipFailure('Item Not Found', `the key has no ${name} of index ${index}`);
  const rest = values.filter((_, i) => i !== index);
  const deleted: Attr = { name, index, value: decode(Buffer.from(values[index], 'base64')) };
  await saveBag(call.ops, call.ctx, record, (b) => {
    const custom = { ...b.custom };
    if (rest.length) custom[name] = rest;
    else delete custom[name];
    return { ...b, custom };
  });
  return answer(call, record, deleted);
};
