import type { Item } from './item';
import { tagOf } from './tags';

/**
 * Item constructors taking a tag by specification name or number, for the message layer and tests:
 * `structure('Protocol Version', [integer('Protocol Version Major', 1), ...])`.
 */
type Tag = string | number;
const t = (tag: Tag): number => (typeof tag === 'number' ? tag : tagOf(tag));

export const structure = (tag: Tag, items: Item[]): Item => ({ tag: t(tag), type: 'Structure', items });
export const integer = (tag: Tag, value: number): Item => ({ tag: t(tag), type: 'Integer', value });
export const longInteger = (tag: Tag, value: bigint): Item => ({ tag: t(tag), type: 'LongInteger', value });
export const bigInteger = (tag: Tag, value: bigint): Item => ({ tag: t(tag), type: 'BigInteger', value });
export const enumeration = (tag: Tag, value: number): Item => ({ tag: t(tag), type: 'Enumeration', value });
export const boolean = (tag: Tag, value: boolean): Item => ({ tag: t(tag), type: 'Boolean', value });
export const textString = (tag: Tag, value: string): Item => ({ tag: t(tag), type: 'TextString', value });
export const byteString = (tag: Tag, value: Buffer): Item => ({ tag: t(tag), type: 'ByteString', value });
export const dateTime = (tag: Tag, value: bigint): Item => ({ tag: t(tag), type: 'DateTime', value });
export const interval = (tag: Tag, value: number): Item => ({ tag: t(tag), type: 'Interval', value });
export const dateTimeExtended = (tag: Tag, value: bigint): Item => ({ tag: t(tag), type: 'DateTimeExtended', value });
