import { TAG, tagName, tagOf, textString, integer, structure, type Item } from '../../ttlv';
import { KmipFailure, type ProtocolVersion } from '../operation';
import { children, optional, required } from '../payload';

/** One attribute, whichever form it came in; `value`'s own tag is not meaningful (see retag). */
export interface Attr {
  name: string;
  index: number | null;
  value: Item;
}

/** Custom attributes: the client's own names (KMIP 1.x `x-`, and `y-` for server-set ones). */
export const isCustom = (name: string): boolean => /^[xy]-/.test(name);

const retag = (item: Item, tag: number): Item => ({ ...item, tag });

/**
 * The attributes in `parent`: a 1.x Template-Attribute-like structure (Attribute items of
 * Attribute Name, Attribute Index, Attribute Value), or a 2.0 Attributes-like structure (one item
 * per attribute, tagged by it). Template names (KMIP 1.x Templates) are refused: templates are not
 * served.
 */
export function attributesIn(parent: Item | null, v1: string, v2: string): Attr[] {
  const template = optional(parent, v1, 'Structure');
  if (template) {
    if (children(template, 'Name').length) throw new KmipFailure('Feature Not Supported', 'Templates are not served: give the attributes themselves');
    return children(template, 'Attribute').map(v1Attribute);
  }
  const attributes = optional(parent, v2, 'Structure');
  if (!attributes || attributes.type !== 'Structure') return [];
  return attributes.items.map((item) => ({ name: tagName(item.tag), index: null, value: item }));
}

export function v1Attribute(a: Item): Attr {
  return {
    name: required(a, 'Attribute Name', 'TextString').value,
    index: optional(a, 'Attribute Index', 'Integer')?.value ?? null,
    value: requiredAny(a, 'Attribute Value'),
  };
}

function requiredAny(parent: Item, name: string): Item {
  const found = children(parent, name);
  if (found.length === 0) throw new KmipFailure('Invalid Field', `${name} is required in ${tagName(parent.tag)}`);
  return found[0];
}

/** An attribute as a 1.x Attribute structure, or as the item a 2.0 Attributes structure holds (null when 2.0 has no tag for it). */
export function attributeItem(a: Attr, version: ProtocolVersion): Item | null {
  if (version.major < 2) {
    return structure('Attribute', [
      textString('Attribute Name', a.name),
      ...(a.index !== null ? [integer('Attribute Index', a.index)] : []),
      retag(a.value, tagOf('Attribute Value')),
    ]);
  }
  const tag = TAG[a.name];
  return tag === undefined ? null : retag(a.value, tag);
}

/** Attributes as a response carries them: 1.x Attribute items, or one 2.0 Attributes structure. */
export function attributeItems(attrs: Attr[], version: ProtocolVersion): Item[] {
  const items = attrs.map((a) => attributeItem(a, version)).filter((i): i is Item => i !== null);
  return version.major < 2 ? items : [structure('Attributes', items)];
}

/** Reads a typed attribute value, refusing the wrong type with Invalid Field. */
export function valueOf<T extends Item['type']>(a: Attr, type: T): Extract<Item, { type: T }> {
  if (a.value.type !== type) throw new KmipFailure('Invalid Field', `${a.name} must be a ${type}, not a ${a.value.type}`);
  return a.value as Extract<Item, { type: T }>;
}

/** The text of a Name attribute value (a Structure holding Name Value). */
export function nameText(a: Attr): string {
  return required(valueOf(a, 'Structure'), 'Name Value', 'TextString').value;
}
