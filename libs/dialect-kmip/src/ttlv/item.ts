/**
 * The TTLV item model: one variant per Item Type (KMIP 1.4 section 9.1.1.2; Date-Time Extended
 * is KMIP 2.0's addition). Type names are the CamelCase forms the KMIP JSON and XML encodings use.
 *
 * Value representations, chosen so that every wire value round-trips exactly:
 * - Integer: a signed 32-bit number. Enumeration and Interval: unsigned 32-bit numbers (the spec
 *   calls both "binary unsigned numbers").
 * - Long Integer, Big Integer: bigint (a JavaScript number loses precision past 2^53).
 * - Date-Time: bigint seconds since the POSIX epoch, as on the wire ("POSIX Time values encoded
 *   as Long Integers"); a Date cannot hold every 64-bit second count. `dateTimeOf`/`dateOf`
 *   convert. Date-Time Extended: bigint microseconds since the epoch.
 * - Byte String: a Buffer; Text String: a JavaScript string (UTF-8 on the wire).
 */
export type Item =
  | { tag: number; type: 'Structure'; items: Item[] }
  | { tag: number; type: 'Integer'; value: number }
  | { tag: number; type: 'LongInteger'; value: bigint }
  | { tag: number; type: 'BigInteger'; value: bigint }
  | { tag: number; type: 'Enumeration'; value: number }
  | { tag: number; type: 'Boolean'; value: boolean }
  | { tag: number; type: 'TextString'; value: string }
  | { tag: number; type: 'ByteString'; value: Buffer }
  | { tag: number; type: 'DateTime'; value: bigint }
  | { tag: number; type: 'Interval'; value: number }
  | { tag: number; type: 'DateTimeExtended'; value: bigint };

export type ItemType = Item['type'];
export type ItemOf<T extends ItemType> = Extract<Item, { type: T }>;

/** Item Type byte for each type. */
export const TYPE_CODE: Readonly<Record<ItemType, number>> = {
  Structure: 0x01,
  Integer: 0x02,
  LongInteger: 0x03,
  BigInteger: 0x04,
  Enumeration: 0x05,
  Boolean: 0x06,
  TextString: 0x07,
  ByteString: 0x08,
  DateTime: 0x09,
  Interval: 0x0a,
  DateTimeExtended: 0x0b,
};

export const TYPE_OF_CODE: ReadonlyMap<number, ItemType> = new Map(Object.entries(TYPE_CODE).map(([name, code]) => [code, name as ItemType]));

/** Item Length each fixed-size type must carry ("Allowed Item Length Values", KMIP 1.4 9.1.1.3). */
export const FIXED_LENGTH: Readonly<Partial<Record<ItemType, number>>> = {
  Integer: 4,
  LongInteger: 8,
  Enumeration: 4,
  Boolean: 8,
  DateTime: 8,
  Interval: 4,
  DateTimeExtended: 8,
};

/** Tag, Type and Length: 3 + 1 + 4 bytes ahead of every value. */
export const HEADER_BYTES = 8;

/** Values are padded to a multiple of eight bytes. */
export const padded = (length: number): number => length + ((8 - (length % 8)) % 8);

export const dateTimeOf = (d: Date): bigint => BigInt(Math.floor(d.getTime() / 1000));
export const dateOf = (seconds: bigint): Date => new Date(Number(seconds) * 1000);
