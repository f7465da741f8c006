import { bigInteger, byteString, dateTime, enumeration, longInteger, structure } from './build';
import { debug } from './debug';
import { ENUMERATION_OF_TAG, enumerationName, OPERATION, RESULT_REASON } from './enums';
import { TAG, tagName, tagOf } from './tags';

describe('tag table', () => {
  it('gives each name one tag and each tag one name, all in the specification range', () => {
    const tags = Object.values(TAG);
    expect(new Set(tags).size).toBe(tags.length);
    for (const tag of tags) expect(tag >>> 16).toBe(0x42);
  });

  it.each([
    ['Request Message', 0x420078],
    ['Response Message', 0x42007b],
    ['Batch Item', 0x42000f],
    ['Unique Batch Item ID', 0x420093],
    ['Template-Attribute', 0x420091],
    ['IV/Counter/Nonce', 0x42003d],
    ['Authenticated Encryption Additional Data', 0x4200fe],
    ['Authenticated Encryption Tag', 0x4200ff],
    ['Attributes', 0x420125],
  ])('%s is 0x%s', (name, tag) => {
    expect(tagOf(name)).toBe(tag);
    expect(tagName(tag)).toBe(name);
  });

  it('names an unknown or extension tag by its number, and refuses an unknown name', () => {
    expect(tagName(0x540001)).toBe('0x540001');
    expect(() => tagOf('Request Mesage')).toThrow(RangeError);
  });
});

describe('enumeration tables', () => {
  it('hold distinct values', () => {
    for (const table of ENUMERATION_OF_TAG.values()) expect(new Set(Object.values(table)).size).toBe(Object.keys(table).length);
  });

  it('carry the values the message layer relies on', () => {
    expect([OPERATION['Create'], OPERATION['Discover Versions'], OPERATION['Encrypt'], OPERATION['Re-Provision']]).toEqual([1, 0x1e, 0x1f, 0x35]);
    expect([RESULT_REASON['Invalid Message'], RESULT_REASON['Invalid Field'], RESULT_REASON['Encoding Option Error'], RESULT_REASON['General Failure']]).toEqual([
      4, 7, 0x12, 0x100,
    ]);
    expect(enumerationName(TAG['Operation'], 0x1e)).toBe('Discover Versions');
    expect(enumerationName(TAG['Operation'], 0x7fff)).toBeUndefined();
  });
});

describe('debug form', () => {
  it('names what the tables know and spells out the rest', () => {
    expect(
      debug(
        structure(0x540001, [
          enumeration('Operation', 0x7fff),
          longInteger('Lease Time', -(1n << 63n)),
          bigInteger('Modulus', -1n),
          byteString('Data', Buffer.from([0xde, 0xad])),
          dateTime('Time Stamp', 1n << 62n),
        ]),
      ),
    ).toEqual({
      tag: '0x540001',
      type: 'Structure',
      value: [
        { tag: 'Operation', type: 'Enumeration', value: '0x00007fff' },
        { tag: 'Lease Time', type: 'LongInteger', value: '-9223372036854775808' },
        { tag: 'Modulus', type: 'BigInteger', value: '-1' },
        { tag: 'Data', type: 'ByteString', value: 'dead' },
        // Past what a Date holds: the second count itself.
        { tag: 'Time Stamp', type: 'DateTime', value: '4611686018427387904' },
      ],
    });
  });
});
