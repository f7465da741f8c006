import { decode, messageLength } from './decode';
import { encode } from './encode';
import { TtlvError, type TtlvErrorKind } from './errors';
import type { DecodeLimits } from './limits';
import { hex, randomItem, seeded } from './random.fixture';

/** The TtlvError decoding `bytes` throws; fails the test on success or on any other exception. */
function refusal(bytes: Buffer, limits: Partial<DecodeLimits> = {}): TtlvError {
  try {
    decode(bytes, limits);
  } catch (e) {
    if (e instanceof TtlvError) return e;
    throw e;
  }
  throw new Error(`decoded ${bytes.toString('hex')} without complaint`);
}

const INT8 = '42 00 20 | 02 | 00 00 00 04 | 00 00 00 08 00 00 00 00';
/** A Structure of tag 420001 around `inner` (hex), with its length computed. */
const struct = (inner: string, tag = '42 00 01'): string => {
  const length = hex(inner).length;
  return `${tag} | 01 | ${length.toString(16).padStart(8, '0')} | ${inner}`;
};
const nested = (depth: number): string => (depth === 1 ? struct(INT8) : struct(nested(depth - 1)));

interface Case {
  what: string;
  bytes: string;
  kind: TtlvErrorKind;
  offset: number;
  path: string[];
  limits?: Partial<DecodeLimits>;
}

const CASES: Case[] = [
  { what: 'an empty buffer', bytes: '', kind: 'truncated', offset: 0, path: [] },
  { what: 'half a header', bytes: '42 00 20 | 02', kind: 'truncated', offset: 0, path: [] },
  { what: 'a value cut short', bytes: '42 00 20 | 02 | 00 00 00 04 | 00 00 00 08', kind: 'truncated', offset: 0, path: ['Compromise Date'] },
  { what: 'padding cut off a string', bytes: '42 00 20 | 07 | 00 00 00 01 | 41', kind: 'truncated', offset: 0, path: ['Compromise Date'] },
  { what: 'a structure longer than the buffer', bytes: `42 00 01 | 01 | 00 00 00 20 | ${INT8}`, kind: 'truncated', offset: 0, path: ['Activation Date'] },
  {
    what: 'a child running past its structure',
    bytes: `42 00 01 | 01 | 00 00 00 10 | 42 00 07 | 07 | 00 00 00 09 | 41 41 41 41 41 41 41 41 | 41 00 00 00 00 00 00 00`,
    kind: 'length-overrun',
    offset: 8,
    path: ['Activation Date', 'Asynchronous Indicator'],
  },
  { what: 'a structure too short for its child header', bytes: `42 00 01 | 01 | 00 00 00 00 | ${INT8}`, kind: 'trailing-bytes', offset: 8, path: [] },
  { what: 'bytes after the message', bytes: `${INT8} | 00 00 00 00 00 00 00 00`, kind: 'trailing-bytes', offset: 16, path: [] },
  { what: 'a tag outside 0x42/0x54', bytes: '43 00 20 | 02 | 00 00 00 04 | 00 00 00 08 00 00 00 00', kind: 'bad-tag', offset: 0, path: [] },
  { what: 'a nested tag outside 0x42/0x54', bytes: struct('00 00 00 | 02 | 00 00 00 04 | 00 00 00 08 00 00 00 00'), kind: 'bad-tag', offset: 8, path: ['Activation Date'] },
  { what: 'type byte 0x00', bytes: '42 00 20 | 00 | 00 00 00 00', kind: 'unknown-type', offset: 3, path: ['Compromise Date'] },
  { what: 'type byte 0x0C', bytes: '42 00 20 | 0C | 00 00 00 00', kind: 'unknown-type', offset: 3, path: ['Compromise Date'] },
  { what: 'an Integer of 8 bytes', bytes: '42 00 20 | 02 | 00 00 00 08 | 00 00 00 00 00 00 00 08', kind: 'wrong-length', offset: 4, path: ['Compromise Date'] },
  { what: 'an Enumeration of 0 bytes', bytes: '42 00 20 | 05 | 00 00 00 00', kind: 'wrong-length', offset: 4, path: ['Compromise Date'] },
  { what: 'an Interval of 8 bytes', bytes: '42 00 20 | 0A | 00 00 00 08 | 00 00 00 00 00 00 00 00', kind: 'wrong-length', offset: 4, path: ['Compromise Date'] },
  { what: 'a Long Integer of 4 bytes', bytes: '42 00 20 | 03 | 00 00 00 04 | 00 00 00 08 00 00 00 00', kind: 'wrong-length', offset: 4, path: ['Compromise Date'] },
  { what: 'a Boolean of 1 byte', bytes: '42 00 20 | 06 | 00 00 00 01 | 01 00 00 00 00 00 00 00', kind: 'wrong-length', offset: 4, path: ['Compromise Date'] },
  { what: 'a Date-Time of 4 bytes', bytes: '42 00 20 | 09 | 00 00 00 04 | 47 DA 67 F8 00 00 00 00', kind: 'wrong-length', offset: 4, path: ['Compromise Date'] },
  { what: 'a Date-Time Extended of 16 bytes', bytes: `42 00 20 | 0B | 00 00 00 10 | ${'00 '.repeat(16)}`, kind: 'wrong-length', offset: 4, path: ['Compromise Date'] },
  { what: 'a Big Integer of 4 bytes', bytes: '42 00 20 | 04 | 00 00 00 04 | 00 00 00 01 00 00 00 00', kind: 'wrong-length', offset: 4, path: ['Compromise Date'] },
  { what: 'a Big Integer of 0 bytes', bytes: '42 00 20 | 04 | 00 00 00 00', kind: 'wrong-length', offset: 4, path: ['Compromise Date'] },
  { what: 'a Structure of 4 bytes', bytes: '42 00 20 | 01 | 00 00 00 04 | 00 00 00 00 00 00 00 00', kind: 'wrong-length', offset: 4, path: ['Compromise Date'] },
  { what: 'non-zero Integer padding', bytes: '42 00 20 | 02 | 00 00 00 04 | 00 00 00 08 00 00 01 00', kind: 'nonzero-padding', offset: 14, path: ['Compromise Date'] },
  { what: 'non-zero Text String padding', bytes: '42 00 20 | 07 | 00 00 00 03 | 41 42 43 00 00 20 00 00', kind: 'nonzero-padding', offset: 13, path: ['Compromise Date'] },
  { what: 'non-zero Byte String padding', bytes: '42 00 20 | 08 | 00 00 00 01 | 01 00 00 00 00 00 00 FF', kind: 'nonzero-padding', offset: 15, path: ['Compromise Date'] },
  { what: 'a Boolean of 2', bytes: '42 00 20 | 06 | 00 00 00 08 | 00 00 00 00 00 00 00 02', kind: 'bad-boolean', offset: 8, path: ['Compromise Date'] },
  { what: 'a Boolean with a high bit', bytes: '42 00 20 | 06 | 00 00 00 08 | 80 00 00 00 00 00 00 01', kind: 'bad-boolean', offset: 8, path: ['Compromise Date'] },
  { what: 'a lone continuation byte', bytes: '42 00 20 | 07 | 00 00 00 01 | 80 00 00 00 00 00 00 00', kind: 'bad-utf8', offset: 8, path: ['Compromise Date'] },
  { what: 'an overlong encoding', bytes: '42 00 20 | 07 | 00 00 00 02 | C0 AF 00 00 00 00 00 00', kind: 'bad-utf8', offset: 8, path: ['Compromise Date'] },
  { what: 'a UTF-16 surrogate', bytes: '42 00 20 | 07 | 00 00 00 03 | ED A0 80 00 00 00 00 00', kind: 'bad-utf8', offset: 8, path: ['Compromise Date'] },
  { what: 'a truncated sequence', bytes: '42 00 20 | 07 | 00 00 00 02 | E2 82 00 00 00 00 00 00', kind: 'bad-utf8', offset: 8, path: ['Compromise Date'] },
  // Limits, each set just below what the message needs.
  { what: 'a message over maxMessageBytes', bytes: INT8, kind: 'message-size-limit', offset: 0, path: [], limits: { maxMessageBytes: 15 } },
  {
    what: 'nesting past maxDepth',
    bytes: nested(4),
    kind: 'depth-limit',
    offset: 24,
    path: ['Activation Date', 'Activation Date', 'Activation Date', 'Activation Date'],
    limits: { maxDepth: 3 },
  },
  {
    what: 'a structure past maxItemsPerStructure',
    bytes: struct(`${INT8} | ${INT8} | ${INT8}`),
    kind: 'structure-items-limit',
    offset: 40,
    path: ['Activation Date'],
    limits: { maxItemsPerStructure: 2 },
  },
  {
    what: 'a message past maxItems',
    bytes: struct(struct(`${INT8} | ${INT8}`)),
    kind: 'total-items-limit',
    offset: 32,
    path: ['Activation Date', 'Activation Date'],
    limits: { maxItems: 3 },
  },
  {
    what: 'a Text String past maxTextBytes',
    bytes: '42 00 20 | 07 | 00 00 00 05 | 41 42 43 44 45 00 00 00',
    kind: 'text-length-limit',
    offset: 0,
    path: ['Compromise Date'],
    limits: { maxTextBytes: 4 },
  },
  {
    what: 'a Byte String past maxByteStringBytes',
    bytes: '42 00 20 | 08 | 00 00 00 05 | 41 42 43 44 45 00 00 00',
    kind: 'bytes-length-limit',
    offset: 0,
    path: ['Compromise Date'],
    limits: { maxByteStringBytes: 4 },
  },
  {
    what: 'a Big Integer past maxBigIntegerBytes',
    bytes: `42 00 20 | 04 | 00 00 00 10 | ${'00 '.repeat(15)} 01`,
    kind: 'big-integer-length-limit',
    offset: 0,
    path: ['Compromise Date'],
    limits: { maxBigIntegerBytes: 15 },
  },
];

describe('decode refuses malformed input with a TtlvError naming the rule and the place', () => {
  it.each(CASES.map((c) => [c.what, c] as const))('%s', (_what, c) => {
    const e = refusal(hex(c.bytes), c.limits);
    expect({ kind: e.kind, offset: e.offset, path: e.path }).toEqual({ kind: c.kind, offset: c.offset, path: c.path });
    expect(e.resultStatus).toBe('Operation Failed');
    expect(e.resultReason).toBe('Invalid Message');
    expect(e.message).toContain(`(${c.kind}) at offset ${c.offset}`);
  });

  it('accepts each limit case once the limit is one higher', () => {
    for (const c of CASES.filter((x) => x.limits !== undefined)) {
      const raised = Object.fromEntries(Object.entries(c.limits!).map(([k, v]) => [k, v + 1]));
      expect(() => decode(hex(c.bytes), raised)).not.toThrow();
    }
  });

  it('refuses a message over the default 1 MiB', () => {
    const big = encode({ tag: 0x420020, type: 'ByteString', value: Buffer.alloc(1 << 20) });
    expect(refusal(big).kind).toBe('message-size-limit');
  });

  it('refuses limits that are not positive whole numbers, or a depth that could exhaust the stack', () => {
    for (const limits of [{ maxDepth: 0 }, { maxItems: 1.5 }, { maxTextBytes: Number.NaN }, { maxDepth: 100000 }]) {
      expect(() => decode(hex(INT8), limits)).toThrow(RangeError);
    }
  });
});

describe('messageLength', () => {
  it('reads the whole length of a structure from its header', () => {
    expect(messageLength(hex('42 00 78 | 01 | 00 00 01 20'))).toBe(0x128);
  });

  it('counts the padding of a primitive', () => {
    expect(messageLength(hex('42 00 20 | 07 | 00 00 00 0B'))).toBe(24);
  });

  it.each([
    ['fewer than 8 bytes', '42 00 78 | 01 | 00 00', 'truncated'],
    ['a length over the limit', '42 00 78 | 01 | 00 10 00 00', 'message-size-limit'],
    ['a 4 GiB length', '42 00 78 | 01 | FF FF FF F8', 'message-size-limit'],
    ['a tag outside 0x42/0x54', '16 03 01 | 02 | 00 01 FC 03', 'bad-tag'],
    ['an unknown type', '42 00 78 | 0F | 00 00 00 08', 'unknown-type'],
    ['a structure length not a multiple of 8', '42 00 78 | 01 | 00 00 00 09', 'wrong-length'],
  ])('refuses %s before the rest arrives', (_what, bytes, kind) => {
    let thrown: unknown;
    try {
      messageLength(hex(bytes));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(TtlvError);
    expect((thrown as TtlvError).kind).toBe(kind);
  });
});

describe('fuzz (seeded): every input decodes or is refused with a TtlvError', () => {
  /** Outcome of one decode: the refusal kind, or 'ok'; anything but a TtlvError propagates. */
  const outcome = (bytes: Buffer, limits?: Partial<DecodeLimits>): string => {
    try {
      const item = decode(bytes, limits);
      // What decodes must survive its own round trip (a non-minimal Big Integer re-encodes shorter).
      expect(decode(encode(item), limits)).toEqual(item);
      return 'ok';
    } catch (e) {
      if (e instanceof TtlvError) return e.kind;
      throw e;
    }
  };

  it('mutated encodings: flipped bytes, cut and spliced buffers, overwritten lengths', () => {
    const rand = seeded(0x74746c76);
    const int = (n: number) => Math.floor(rand() * n);
    const seen = new Map<string, number>();
    const started = Date.now();
    for (let i = 0; i < 5000; i++) {
      const bytes = Buffer.from(encode({ tag: 0x420078, type: 'Structure', items: [randomItem(rand, 5), randomItem(rand, 5)] }));
      const mutation = int(4);
      if (mutation === 0) {
        for (let n = 1 + int(3); n > 0; n--) bytes[int(bytes.length)] = int(256);
      } else if (mutation === 1) {
        // Some header's length field: every item starts on an 8-byte boundary.
        const at = 8 * int(bytes.length / 8) + 4;
        if (at + 4 <= bytes.length) bytes.writeUInt32BE(rand() < 0.5 ? int(0x100000000) : int(bytes.length * 2), at);
      }
      const input = mutation === 2 ? bytes.subarray(0, int(bytes.length)) : mutation === 3 ? Buffer.concat([bytes, bytes.subarray(int(bytes.length))]) : bytes;
      const kind = outcome(input, { maxDepth: 4, maxItemsPerStructure: 5, maxItems: 40, maxTextBytes: 24, maxByteStringBytes: 32, maxBigIntegerBytes: 24 });
      seen.set(kind, (seen.get(kind) ?? 0) + 1);
    }
    // Linear work: 5000 small messages take well under the test timeout on a busy machine.
    expect(Date.now() - started).toBeLessThan(20000);
    // The mutations must reach both outcomes and most rules, or the loop tests little.
    expect(seen.get('ok')).toBeGreaterThan(100);
    expect([...seen.keys()].filter((k) => k !== 'ok').length).toBeGreaterThanOrEqual(10);
  });

  it('random bytes, sometimes behind a plausible header', () => {
    const rand = seeded(0x6b6d6970);
    const int = (n: number) => Math.floor(rand() * n);
    const kinds = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const bytes = Buffer.from(Array.from({ length: int(64) }, () => int(256)));
      if (bytes.length >= 8 && rand() < 0.5) {
        bytes[0] = 0x42;
        bytes[3] = 1 + int(11);
        bytes.writeUInt32BE(int(bytes.length), 4);
      }
      kinds.add(outcome(bytes));
    }
    expect(kinds.size).toBeGreaterThanOrEqual(6);
  });
});
