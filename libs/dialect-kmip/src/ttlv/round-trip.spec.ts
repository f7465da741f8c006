import { boolean, bigInteger, byteString, dateTime, dateTimeExtended, enumeration, integer, interval, longInteger, structure, textString } from './build';
import { decode, messageLength } from './decode';
import { encode } from './encode';
import { dateOf, dateTimeOf, type Item } from './item';
import { hex, randomItem, seeded } from './random.fixture';

const TAG = 0x420020;
const roundTrip = (item: Item): Item => decode(encode(item));

describe('round trips at the edges of each type', () => {
  it.each(
    [
      integer(TAG, 0),
      integer(TAG, -1),
      integer(TAG, -0x80000000),
      integer(TAG, 0x7fffffff),
      longInteger(TAG, -(1n << 63n)),
      longInteger(TAG, (1n << 63n) - 1n),
      enumeration(TAG, 0xffffffff),
      interval(TAG, 0xffffffff),
      boolean(TAG, false),
      dateTime(TAG, -(1n << 63n)),
      dateTimeExtended(TAG, (1n << 63n) - 1n),
      textString(TAG, ''),
      textString(TAG, '12345678'),
      textString(TAG, '\ufeffBOM kept, 🔑 4-byte, ключ'),
      byteString(TAG, Buffer.alloc(0)),
      byteString(TAG, Buffer.alloc(9, 0xff)),
      structure(TAG, []),
      structure(0x54ffff, [structure(0x540000, [integer(0x420001, 1)])]),
    ].map((item, i) => [`${i}: ${item.type}`, item] as const),
  )('%s', (_name, item) => {
    expect(roundTrip(item)).toEqual(item);
  });
});

describe('Big Integer', () => {
  // The shortest two's complement, sign-extended to a multiple of 8 bytes.
  it.each([
    [0n, '0000000000000000'],
    [1n, '0000000000000001'],
    [-1n, 'ffffffffffffffff'],
    [(1n << 63n) - 1n, '7fffffffffffffff'],
    [1n << 63n, '00000000000000008000000000000000'],
    [-(1n << 63n), '8000000000000000'],
    [-(1n << 63n) - 1n, 'ffffffffffffffff7fffffffffffffff'],
    [18446744073709551615n, '0000000000000000ffffffffffffffff'],
  ])('%s is %s', (value, bytes) => {
    const encoded = encode(bigInteger(TAG, value));
    expect(encoded.subarray(8).toString('hex')).toBe(bytes);
    expect(decode(encoded)).toEqual(bigInteger(TAG, value));
  });

  it('accepts a longer sign extension than needed, as the value it states', () => {
    expect(decode(hex('42 00 20 | 04 | 00 00 00 10 | FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FE'))).toEqual(bigInteger(TAG, -2n));
  });
});

describe('Date-Time', () => {
  it('converts to and from Date at second resolution', () => {
    const at = new Date('2008-03-14T11:56:40.999Z');
    expect(dateTimeOf(at)).toBe(0x47da67f8n);
    expect(dateOf(0x47da67f8n).toISOString()).toBe('2008-03-14T11:56:40.000Z');
  });

  it('carries Date-Time Extended as microseconds', () => {
    const micros = BigInt(Date.UTC(2017, 10, 20, 5, 20, 40)) * 1000n + 345567n;
    expect(encode(dateTimeExtended(TAG, micros)).toString('hex')).toBe('4200200b00000008' + micros.toString(16).padStart(16, '0'));
  });
});

describe('encode refuses values its type cannot carry', () => {
  it.each([
    ['an Integer past 32 bits', integer(TAG, 0x80000000)],
    ['a fractional Integer', integer(TAG, 1.5)],
    ['a negative Enumeration', enumeration(TAG, -1)],
    ['an Interval past 32 bits', interval(TAG, 2 ** 32)],
    ['a Long Integer past 64 bits', longInteger(TAG, 1n << 63n)],
    ['a Date-Time past 64 bits', dateTime(TAG, -(1n << 63n) - 1n)],
    ['a tag outside 0x42 and 0x54', integer(0x430000, 1)],
    ['a tag past 24 bits', integer(0x42000000, 1)],
  ])('%s', (_what, item) => {
    expect(() => encode(item)).toThrow(RangeError);
  });
});

describe('random trees (seeded)', () => {
  it('decode(encode(tree)) is the tree, and messageLength reads its length from 8 bytes', () => {
    const rand = seeded(0x6b6d6970);
    let structures = 0;
    for (let i = 0; i < 2000; i++) {
      const tree = randomItem(rand, 6);
      if (tree.type === 'Structure') structures++;
      const bytes = encode(tree);
      expect(bytes.length % 8).toBe(0);
      expect(messageLength(bytes.subarray(0, 8))).toBe(bytes.length);
      expect(decode(bytes)).toEqual(tree);
      expect(encode(decode(bytes)).equals(bytes)).toBe(true);
    }
    // The generator must exercise nesting, or this loop proves little.
    expect(structures).toBeGreaterThan(400);
  });
});
