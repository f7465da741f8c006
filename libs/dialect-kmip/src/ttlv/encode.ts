import { FIXED_LENGTH, HEADER_BYTES, TYPE_CODE, padded, type Item, type ItemOf, type ItemType } from './item';
import { EXTENSION_TAG_PREFIX, KMIP_TAG_PREFIX, tagName } from './tags';

/**
 * The TTLV bytes of an item. Values out of their type's range throw RangeError: the server builds
 * what it encodes, so a bad value is a bug here, not something a client sent.
 */
export function encode(item: Item): Buffer {
  const out = Buffer.alloc(encodedLength(item));
  const end = write(item, out, 0);
  if (end !== out.length) throw new Error(`TTLV encoder wrote ${end} of ${out.length} bytes`);
  return out;
}

/** Value bytes (before padding) of each non-Structure item. */
const VALUE_LENGTH: { [T in Exclude<ItemType, 'Structure'>]: (item: ItemOf<T>) => number } = {
  Integer: () => 4,
  LongInteger: () => 8,
  BigInteger: (item) => bigIntegerLength(item.value),
  Enumeration: () => 4,
  Boolean: () => 8,
  TextString: (item) => Buffer.byteLength(item.value, 'utf8'),
  ByteString: (item) => item.value.length,
  DateTime: () => 8,
  Interval: () => 4,
  DateTimeExtended: () => 8,
};

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

const int64 = (item: { tag: number; value: bigint }, at: number, out: Buffer): void => {
  if (typeof item.value !== 'bigint' || item.value < INT64_MIN || item.value > INT64_MAX) throw valueError(item, 'a 64-bit signed bigint');
  out.writeBigInt64BE(item.value, at);
};
const uint32 = (item: { tag: number; value: number }, at: number, out: Buffer): void => {
  if (!Number.isInteger(item.value) || item.value < 0 || item.value > 0xffffffff) throw valueError(item, 'a 32-bit unsigned integer');
  out.writeUInt32BE(item.value, at);
};

/** Writes each non-Structure value at `at` (the padding is already zero). */
const WRITE_VALUE: { [T in Exclude<ItemType, 'Structure'>]: (item: ItemOf<T>, at: number, out: Buffer) => void } = {
  Integer: (item, at, out) => {
    if (!Number.isInteger(item.value) || item.value < -0x80000000 || item.value > 0x7fffffff) throw valueError(item, 'a 32-bit signed integer');
    out.writeInt32BE(item.value, at);
  },
  LongInteger: int64,
  BigInteger: (item, at, out) => writeBigInteger(item.value, out, at, bigIntegerLength(item.value)),
  Enumeration: uint32,
  Boolean: (item, at, out) => {
    if (typeof item.value !== 'boolean') throw valueError(item, 'a boolean');
    out.writeBigUInt64BE(item.value ? 1n : 0n, at);
  },
  TextString: (item, at, out) => void out.write(item.value, at, 'utf8'),
  ByteString: (item, at, out) => void item.value.copy(out, at),
  DateTime: int64,
  Interval: uint32,
  DateTimeExtended: int64,
};

function encodedLength(item: Item): number {
  checkTag(item);
  if (item.type === 'Structure') return HEADER_BYTES + item.items.reduce((sum, child) => sum + encodedLength(child), 0);
  const valueLength = (VALUE_LENGTH[item.type] as (i: Item) => number)(item);
  if (valueLength > 0xffffffff) throw valueError(item, 'at most 2^32-1 bytes long');
  return HEADER_BYTES + padded(valueLength);
}

function write(item: Item, out: Buffer, at: number): number {
  out.writeUIntBE(item.tag, at, 3);
  out.writeUInt8(TYPE_CODE[item.type], at + 3);
  if (item.type === 'Structure') {
    let end = at + HEADER_BYTES;
    for (const child of item.items) end = write(child, out, end);
    out.writeUInt32BE(end - at - HEADER_BYTES, at + 4);
    return end;
  }
  const length = FIXED_LENGTH[item.type] ?? (VALUE_LENGTH[item.type] as (i: Item) => number)(item);
  out.writeUInt32BE(length, at + 4);
  (WRITE_VALUE[item.type] as (i: Item, at: number, out: Buffer) => void)(item, at + HEADER_BYTES, out);
  return at + HEADER_BYTES + padded(length);
}

function checkTag(item: Item): void {
  const prefix = item.tag >>> 16;
  if (!Number.isInteger(item.tag) || item.tag < 0 || item.tag > 0xffffff || (prefix !== KMIP_TAG_PREFIX && prefix !== EXTENSION_TAG_PREFIX)) {
    throw new RangeError(`KMIP tag ${String(item.tag)} is outside 0x420000-0x42FFFF and 0x540000-0x54FFFF`);
  }
  if (!(item.type in TYPE_CODE)) throw new RangeError(`KMIP item ${tagName(item.tag)} has no type ${String(item.type)}`);
}

const valueError = (item: { tag: number }, what: string): RangeError => new RangeError(`KMIP item ${tagName(item.tag)} needs ${what}`);

/**
 * Bytes of a Big Integer: its shortest two's complement, sign-extended to a multiple of eight
 * ("padded with the minimal number of leading sign-extended bytes", KMIP 1.4 9.1.1.4).
 */
function bigIntegerLength(value: bigint): number {
  if (typeof value !== 'bigint') throw new RangeError('a KMIP Big Integer is a bigint');
  const magnitude = value < 0n ? -value - 1n : value;
  // One sign bit more than the magnitude needs.
  const bits = magnitude.toString(2).length + (magnitude === 0n ? 0 : 1);
  return padded(Math.max(1, Math.ceil(bits / 8)));
}

function writeBigInteger(value: bigint, out: Buffer, at: number, length: number): void {
  let rest = BigInt.asUintN(length * 8, value);
  for (let i = length - 1; i >= 0; i--) {
    out[at + i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
}
