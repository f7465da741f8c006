import { TAG, enumeration, structure, tagName, textString, type Item } from '../../ttlv';
import type { OperationHandler } from '../operation';
import { children, optional } from '../payload';
import { attributeItems } from './attributes';
import { ON_REQUEST, recordAttributes } from './record-attributes';
import { targetOf } from './target';

/** The attribute names a Get Attributes asks for: 1.x Attribute Name texts, 2.0 Attribute References (a tag, or a vendor's name). */
function askedNames(payload: Item | null): string[] {
  const v1 = children(payload, 'Attribute Name').map((n) => (n.type === 'TextString' ? n.value : ''));
  const v2 = children(payload, 'Attribute Reference').map((r) => (r.type === 'Enumeration' ? tagName(r.value) : (optional(r, 'Attribute Name', 'TextString')?.value ?? '')));
  return [...v1, ...v2];
}

/** Get Attributes: the named attributes the key has (all of them when none is named); a name it lacks is left out, as the spec says. */
export const getAttributes: OperationHandler = async (call, payload) => {
  const record = await targetOf(call, payload);
  const asked = askedNames(payload);
  const all = await recordAttributes(call, record);
  const chosen = asked.length ? all.filter((a) => asked.includes(a.name)) : all.filter((a) => !ON_REQUEST.has(a.name));
  return {
    payload: structure('Response Payload', [textString('Unique Identifier', record.id), ...attributeItems(chosen, call.version)]),
    uniqueIdentifier: record.id,
  };
};

/** Get Attribute List: the names of the key's attributes (1.x texts; 2.0 Attribute References by tag, custom names left out). */
export const getAttributeList: OperationHandler = async (call, payload) => {
  const record = await targetOf(call, payload);
  const names = [...new Set((await recordAttributes(call, record)).map((a) => a.name))];
  const items =
    call.version.major < 2 ? names.map((n) => textString('Attribute Name', n)) : names.filter((n) => TAG[n] !== undefined).map((n) => enumeration('Attribute Reference', TAG[n]));
  return { payload: structure('Response Payload', [textString('Unique Identifier', record.id), ...items]), uniqueIdentifier: record.id };
};
