import { tagName, tagOf, type Item, type ItemOf, type ItemType } from '../ttlv';
import { KmipFailure } from './operation';

/**
 * Reading a request payload by specification names. A field of the wrong type, or a required one
 * missing, is the client's error: Invalid Field, naming the field.
 */
export function children(parent: Item | null, name: string): Item[] {
  if (parent === null || parent.type !== 'Structure') return [];
  const tag = tagOf(name);
  return parent.items.filter((i) => i.tag === tag);
}

export function optional<T extends ItemType>(parent: Item | null, name: string, type: T): ItemOf<T> | undefined {
  const found = children(parent, name);
  if (found.length === 0) return undefined;
  const item = found[0];
  if (item.type !== type) throw new KmipFailure('Invalid Field', `${name} must be a ${type}, not a ${item.type}`);
  return item as ItemOf<T>;
}

export function required<T extends ItemType>(parent: Item | null, name: string, type: T): ItemOf<T> {
  const item = optional(parent, name, type);
  if (item === undefined) throw new KmipFailure('Invalid Field', `${name} is required${parent ? ` in ${tagName(parent.tag)}` : ''}`);
  return item;
}

/** The Unique Identifier a payload names, or the ID Placeholder when it names none. */
export function uniqueIdentifier(payload: Item | null, placeholder: string | null): string {
  const given = optional(payload, 'Unique Identifier', 'TextString');
  if (given !== undefined) return given.value;
  if (placeholder !== null) return placeholder;
  throw new KmipFailure('Invalid Field', 'Unique Identifier is required (no ID Placeholder is set)');
}
