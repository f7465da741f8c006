import { decode } from './decode';
import { debug } from './debug';
import { encode } from './encode';
import type { Item } from './item';
import { hex } from './random.fixture';
import { TAG } from './tags';

/**
 * The examples of KMIP 1.4 section 9.1.2 ("Examples"), tag 420020, byte for byte: each decodes to
 * the value the specification states, and that value encodes to the same bytes.
 */
const SPEC_EXAMPLES: Array<[string, string, Item]> = [
  ['an Integer containing the decimal value 8', '42 00 20 | 02 | 00 00 00 04 | 00 00 00 08 00 00 00 00', { tag: 0x420020, type: 'Integer', value: 8 }],
  [
    'a Long Integer containing the decimal value 123456789000000000',
    '42 00 20 | 03 | 00 00 00 08 | 01 B6 9B 4B A5 74 92 00',
    { tag: 0x420020, type: 'LongInteger', value: 123456789000000000n },
  ],
  [
    'a Big Integer containing the decimal value 1234567890000000000000000000',
    '42 00 20 | 04 | 00 00 00 10 | 00 00 00 00 03 FD 35 EB 6B C2 DF 46 18 08 00 00',
    { tag: 0x420020, type: 'BigInteger', value: 1234567890000000000000000000n },
  ],
  ['an Enumeration with value 255', '42 00 20 | 05 | 00 00 00 04 | 00 00 00 FF 00 00 00 00', { tag: 0x420020, type: 'Enumeration', value: 255 }],
  ['a Boolean with the value True', '42 00 20 | 06 | 00 00 00 08 | 00 00 00 00 00 00 00 01', { tag: 0x420020, type: 'Boolean', value: true }],
  [
    'a Text String with the value "Hello World"',
    '42 00 20 | 07 | 00 00 00 0B | 48 65 6C 6C 6F 20 57 6F 72 6C 64 00 00 00 00 00',
    { tag: 0x420020, type: 'TextString', value: 'Hello World' },
  ],
  [
    'a Byte String with the value { 0x01, 0x02, 0x03 }',
    '42 00 20 | 08 | 00 00 00 03 | 01 02 03 00 00 00 00 00',
    { tag: 0x420020, type: 'ByteString', value: Buffer.from([1, 2, 3]) },
  ],
  [
    'a Date-Time, containing the value for Friday, March 14, 2008, 11:56:40 GMT',
    '42 00 20 | 09 | 00 00 00 08 | 00 00 00 00 47 DA 67 F8',
    { tag: 0x420020, type: 'DateTime', value: BigInt(Date.UTC(2008, 2, 14, 11, 56, 40) / 1000) },
  ],
  ['an Interval, containing the value for 10 days', '42 00 20 | 0A | 00 00 00 04 | 00 0D 2F 00 00 00 00 00', { tag: 0x420020, type: 'Interval', value: 10 * 86400 }],
  [
    'a Structure containing an Enumeration, value 254, followed by an Integer, value 255, having tags 420004 and 420005 respectively',
    '42 00 20 | 01 | 00 00 00 20 | 42 00 04 | 05 | 00 00 00 04 | 00 00 00 FE 00 00 00 00 | 42 00 05 | 02 | 00 00 00 04 | 00 00 00 FF 00 00 00 00',
    {
      tag: 0x420020,
      type: 'Structure',
      items: [
        { tag: 0x420004, type: 'Enumeration', value: 254 },
        { tag: 0x420005, type: 'Integer', value: 255 },
      ],
    },
  ],
];

describe('KMIP 1.4 section 9.1.2 encoding examples', () => {
  it.each(SPEC_EXAMPLES)('%s decodes to its value', (_what, bytes, item) => {
    expect(decode(hex(bytes))).toEqual(item);
  });
  it.each(SPEC_EXAMPLES)('%s encodes to its bytes', (_what, bytes, item) => {
    expect(encode(item).toString('hex')).toBe(hex(bytes).toString('hex'));
  });
});

/**
 * KMIP Test Cases 1.1 section 3.1.1 (Create): the request creating a 128-bit AES key usable for
 * encrypt and decrypt, and the server's response, as the test case gives them in hex.
 */
const CREATE_REQUEST = hex(`
  42007801000001204200770100000038420069010000002042006A0200000004
  000000010000000042006B0200000004000000010000000042000D0200000004
  000000010000000042000F01000000D842005C05000000040000000100000000
  42007901000000C04200570500000004000000020000000042009101000000A8
  420008010000003042000A070000001743727970746F6772617068696320416C
  676F726974686D0042000B050000000400000003000000004200080100000030
  42000A070000001443727970746F67726170686963204C656E67746800000000
  42000B02000000040000008000000000420008010000003042000A0700000018
  43727970746F67726170686963205573616765204D61736B42000B0200000004
  0000000C00000000`);
const CREATE_RESPONSE = hex(`
  42007B01000000C042007A0100000048420069010000002042006A0200000004
  000000010000000042006B020000000400000001000000004200920900000008
  000000004F9A54E542000D0200000004000000010000000042000F0100000068
  42005C0500000004000000010000000042007F05000000040000000000000000
  42007C0100000040420057050000000400000002000000004200940700000024
  66623462356239632D363138382D346336332D383134322D6665396333323831
  3239666300000000`);

const attribute = (name: string, type: 'Enumeration' | 'Integer', value: number | string) => ({
  tag: 'Attribute',
  type: 'Structure',
  value: [
    { tag: 'Attribute Name', type: 'TextString', value: name },
    { tag: 'Attribute Value', type, value },
  ],
});
const protocolVersion = {
  tag: 'Protocol Version',
  type: 'Structure',
  value: [
    { tag: 'Protocol Version Major', type: 'Integer', value: 1 },
    { tag: 'Protocol Version Minor', type: 'Integer', value: 1 },
  ],
};

describe('KMIP Test Cases 1.1, 3.1.1 Create', () => {
  it('decodes the request to the message the test case describes', () => {
    expect(debug(decode(CREATE_REQUEST))).toEqual({
      tag: 'Request Message',
      type: 'Structure',
      value: [
        { tag: 'Request Header', type: 'Structure', value: [protocolVersion, { tag: 'Batch Count', type: 'Integer', value: 1 }] },
        {
          tag: 'Batch Item',
          type: 'Structure',
          value: [
            { tag: 'Operation', type: 'Enumeration', value: 'Create' },
            {
              tag: 'Request Payload',
              type: 'Structure',
              value: [
                { tag: 'Object Type', type: 'Enumeration', value: 'Symmetric Key' },
                {
                  tag: 'Template-Attribute',
                  type: 'Structure',
                  // Attribute Value's enumeration depends on Attribute Name, so it stays a number.
                  value: [
                    attribute('Cryptographic Algorithm', 'Enumeration', '0x00000003'),
                    attribute('Cryptographic Length', 'Integer', 128),
                    attribute('Cryptographic Usage Mask', 'Integer', 12),
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
  });

  it('decodes the response, Time Stamp included', () => {
    const response = decode(CREATE_RESPONSE);
    expect(debug(response)).toEqual({
      tag: 'Response Message',
      type: 'Structure',
      value: [
        {
          tag: 'Response Header',
          type: 'Structure',
          value: [protocolVersion, { tag: 'Time Stamp', type: 'DateTime', value: '2012-04-27T08:12:21.000Z' }, { tag: 'Batch Count', type: 'Integer', value: 1 }],
        },
        {
          tag: 'Batch Item',
          type: 'Structure',
          value: [
            { tag: 'Operation', type: 'Enumeration', value: 'Create' },
            { tag: 'Result Status', type: 'Enumeration', value: 'Success' },
            {
              tag: 'Response Payload',
              type: 'Structure',
              value: [
                { tag: 'Object Type', type: 'Enumeration', value: 'Symmetric Key' },
                { tag: 'Unique Identifier', type: 'TextString', value: 'fb4b5b9c-6188-4c63-8142-fe9c328129fc' },
              ],
            },
          ],
        },
      ],
    });
    expect(response.tag).toBe(TAG['Response Message']);
  });

  it.each([
    ['request', CREATE_REQUEST],
    ['response', CREATE_RESPONSE],
  ])('re-encodes the %s byte for byte', (_what, bytes) => {
    expect(encode(decode(bytes)).equals(bytes)).toBe(true);
  });
});
