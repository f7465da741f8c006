import { enumerationName } from './enums';
import type { Item, ItemOf, ItemType } from './item';
import { tagName } from './tags';

/**
 * A JSON-serialisable picture of an item for tests and logs, shaped like the KMIP JSON encoding's
 * {tag, type, value}: tags and Enumeration values by name where the tables have them, 64-bit and
 * big integers as decimal strings, Byte Strings as hex, Date-Times as ISO 8601 where a Date can
 * hold them (else their own count). It is for reading, not a second wire format: nothing parses it back.
 */
export type Debug = { tag: string; type: ItemType; value: Debug[] | string | number | boolean };

/** ISO 8601 of a millisecond count, or undefined past what a Date holds. */
const iso = (ms: bigint): string | undefined => {
  const d = new Date(Number(ms));
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
};

const VALUE: { [T in ItemType]: (item: ItemOf<T>) => Debug['value'] } = {
  Structure: (item) => item.items.map(debug),
  Integer: (item) => item.value,
  LongInteger: (item) => item.value.toString(),
  BigInteger: (item) => item.value.toString(),
  Enumeration: (item) => enumerationName(item.tag, item.value) ?? `0x${item.value.toString(16).padStart(8, '0')}`,
  Boolean: (item) => item.value,
  TextString: (item) => item.value,
  ByteString: (item) => item.value.toString('hex'),
  DateTime: (item) => iso(item.value * 1000n) ?? item.value.toString(),
  Interval: (item) => item.value,
  DateTimeExtended: (item) => iso(item.value / 1000n) ?? item.value.toString(),
};

export function debug(item: Item): Debug {
  return { tag: tagName(item.tag), type: item.type, value: (VALUE[item.type] as (i: Item) => Debug['value'])(item) };
}
