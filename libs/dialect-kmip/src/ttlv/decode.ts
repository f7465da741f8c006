import { TtlvError, type TtlvErrorKind } from './errors';
import { FIXED_LENGTH, HEADER_BYTES, TYPE_OF_CODE, padded, type Item, type ItemType } from './item';
import { limitsOf, type DecodeLimits } from './limits';
import { EXTENSION_TAG_PREFIX, KMIP_TAG_PREFIX, tagName } from './tags';

/**
 * The one item `buf` holds, all of it. Throws TtlvError, and nothing else, on any input that is not
 * exactly one well-formed item within the limits. Work is linear in the buffer's length.
 */
export function decode(buf: Buffer, limits: Partial<DecodeLimits> = {}): Item {
  const decoder = new Decoder(buf, limitsOf(limits));
  if (buf.length > decoder.limits.maxMessageBytes) {
    throw new TtlvError('message-size-limit', 0, [], `${buf.length} bytes, limit ${decoder.limits.maxMessageBytes}`);
  }
  const item = decoder.item(0, buf.length, 1);
  if (decoder.end !== buf.length) throw new TtlvError('trailing-bytes', decoder.end, [], `${buf.length - decoder.end} bytes after the item`);
  return item;
}

/**
 * How many bytes the whole message starting with `head` (at least its first 8 bytes) takes, so that
 * a connection handler can read exactly one message, and refuse an oversized or garbled one before
 * waiting for bytes that will never be worth reading.
 */
export function messageLength(head: Buffer, limits: Partial<DecodeLimits> = {}): number {
  const { maxMessageBytes } = limitsOf(limits);
  if (head.length < HEADER_BYTES) throw new TtlvError('truncated', 0, [], `${head.length} bytes, a header takes ${HEADER_BYTES}`);
  const { type, length } = header(head, 0, []);
  const total = HEADER_BYTES + (type === 'Structure' ? length : padded(length));
  if (total > maxMessageBytes) throw new TtlvError('message-size-limit', 0, [], `${total} bytes, limit ${maxMessageBytes}`);
  return total;
}

/** Tag, type and length at `at`, with the checks that need nothing else. */
function header(buf: Buffer, at: number, path: readonly string[]): { tag: number; type: ItemType; length: number } {
  const tag = buf.readUIntBE(at, 3);
  const here = [...path, tagName(tag)];
  const prefix = tag >>> 16;
  if (prefix !== KMIP_TAG_PREFIX && prefix !== EXTENSION_TAG_PREFIX) throw new TtlvError('bad-tag', at, path, `tag 0x${tag.toString(16).padStart(6, '0')}`);
  const code = buf[at + 3];
  const type = TYPE_OF_CODE.get(code);
  if (type === undefined) throw new TtlvError('unknown-type', at + 3, here, `type byte 0x${code.toString(16).padStart(2, '0')}`);
  const length = buf.readUInt32BE(at + 4);
  const fixed = FIXED_LENGTH[type];
  if (fixed !== undefined && length !== fixed) throw new TtlvError('wrong-length', at + 4, here, `a ${type} is ${fixed} bytes, not ${length}`);
  if (type === 'Structure' && length % 8 !== 0) throw new TtlvError('wrong-length', at + 4, here, `a Structure's length is a multiple of 8, not ${length}`);
  if (type === 'BigInteger' && (length === 0 || length % 8 !== 0)) {
    throw new TtlvError('wrong-length', at + 4, here, `a Big Integer's length is a non-zero multiple of 8, not ${length}`);
  }
  return { tag, type, length };
}

type Primitive = Exclude<ItemType, 'Structure'>;
type Read = (buf: Buffer, at: number, length: number, fail: (kind: TtlvErrorKind, detail: string) => never) => unknown;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The value of each non-Structure type, from its `length` value bytes at `at`. */
const READ_VALUE: { [T in Primitive]: Read } = {
  Integer: (buf, at) => buf.readInt32BE(at),
  LongInteger: (buf, at) => buf.readBigInt64BE(at),
  BigInteger: (buf, at, length) => BigInt.asIntN(length * 8, BigInt(`0x${buf.toString('hex', at, at + length)}`)),
  Enumeration: (buf, at) => buf.readUInt32BE(at),
  Boolean: (buf, at, _length, fail) => {
    const v = buf.readBigUInt64BE(at);
    if (v > 1n) fail('bad-boolean', `0x${v.toString(16).padStart(16, '0')}`);
    return v === 1n;
  },
  TextString: (buf, at, length, fail) => {
    try {
      return utf8.decode(buf.subarray(at, at + length));
    } catch {
      return fail('bad-utf8', `${length} bytes that are not UTF-8`);
    }
  },
  // A copy: a view would keep the whole connection buffer alive and let later writes to it show through.
  ByteString: (buf, at, length) => Buffer.from(buf.subarray(at, at + length)),
  DateTime: (buf, at) => buf.readBigInt64BE(at),
  Interval: (buf, at) => buf.readUInt32BE(at),
  DateTimeExtended: (buf, at) => buf.readBigInt64BE(at),
};

/** Per-type length limits, beyond the fixed lengths `header` checks. */
const LENGTH_LIMIT: { [T in Primitive]?: { kind: TtlvErrorKind; limit: (l: DecodeLimits) => number } } = {
  TextString: { kind: 'text-length-limit', limit: (l) => l.maxTextBytes },
  ByteString: { kind: 'bytes-length-limit', limit: (l) => l.maxByteStringBytes },
  BigInteger: { kind: 'big-integer-length-limit', limit: (l) => l.maxBigIntegerBytes },
};

class Decoder {
  /** Offset just past the last item read. */
  end = 0;
  private items = 0;
  private path: string[] = [];

  constructor(
    private readonly buf: Buffer,
    readonly limits: DecodeLimits,
  ) {}

  /** The item at `at`, which must end by `limit` (its parent's end); `depth` counts structures. */
  item(at: number, limit: number, depth: number): Item {
    if (at + HEADER_BYTES > limit) this.fail(at + HEADER_BYTES > this.buf.length ? 'truncated' : 'length-overrun', at, `${limit - at} bytes left, a header takes ${HEADER_BYTES}`);
    if (++this.items > this.limits.maxItems) this.fail('total-items-limit', at, `limit ${this.limits.maxItems}`);
    const { tag, type, length } = header(this.buf, at, this.path);
    const valueAt = at + HEADER_BYTES;
    const span = type === 'Structure' ? length : padded(length);
    if (valueAt + span > limit) {
      this.fail(valueAt + span > this.buf.length ? 'truncated' : 'length-overrun', at, `${tagName(tag)} takes ${span} bytes, ${limit - valueAt} left`, tag);
    }
    if (type === 'Structure') return this.structure(tag, valueAt, valueAt + length, depth);
    const bound = LENGTH_LIMIT[type];
    if (bound !== undefined && length > bound.limit(this.limits)) this.fail(bound.kind, at, `${length} bytes, limit ${bound.limit(this.limits)}`, tag);
    const value = READ_VALUE[type](this.buf, valueAt, length, (kind, detail) => this.fail(kind, valueAt, detail, tag));
    for (let i = valueAt + length; i < valueAt + span; i++) {
      if (this.buf[i] !== 0) this.fail('nonzero-padding', i, `byte 0x${this.buf[i].toString(16).padStart(2, '0')}`, tag);
    }
    this.end = valueAt + span;
    return { tag, type, value } as Item;
  }

  private structure(tag: number, from: number, to: number, depth: number): Item {
    if (depth > this.limits.maxDepth) this.fail('depth-limit', from - HEADER_BYTES, `limit ${this.limits.maxDepth}`, tag);
    this.path.push(tagName(tag));
    const items: Item[] = [];
    let at = from;
    while (at < to) {
      if (items.length === this.limits.maxItemsPerStructure) this.fail('structure-items-limit', at, `limit ${this.limits.maxItemsPerStructure}`);
      items.push(this.item(at, to, depth + 1));
      at = this.end;
    }
    this.path.pop();
    this.end = to;
    return { tag, type: 'Structure', items };
  }

  private fail(kind: TtlvErrorKind, offset: number, detail: string, tag?: number): never {
    throw new TtlvError(kind, offset, tag === undefined ? [...this.path] : [...this.path, tagName(tag)], detail);
  }
}
