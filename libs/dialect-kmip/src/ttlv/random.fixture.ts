import type { Item } from './item';

/** Bytes from the specification's "42 00 20 | 02 | 00 00 00 04 | ..." notation. */
export const hex = (s: string): Buffer => Buffer.from(s.replace(/[\s|]/g, ''), 'hex');

/** A seeded generator (mulberry32), so that every run draws the same cases. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEXT_POOL = ['', 'a', 'Hello World', 'ключ', '鍵', '🔑 key', 'x'.repeat(8), 'y'.repeat(9), '\u0000inside'];

/** Random items of every type, structures up to `depth` deep. */
export function randomItem(rand: () => number, depth: number): Item {
  const int = (n: number) => Math.floor(rand() * n);
  const tag = (rand() < 0.9 ? 0x420000 : 0x540000) + int(0x10000);
  const u32 = () => int(0x100000000);
  const i64 = () => BigInt.asIntN(64, (BigInt(u32()) << 32n) | BigInt(u32()));
  const bytes = () => Buffer.from(Array.from({ length: int(40) }, () => int(256)));
  const kinds: Array<() => Item> = [
    () => ({ tag, type: 'Integer', value: u32() | 0 }),
    () => ({ tag, type: 'LongInteger', value: i64() }),
    () => ({ tag, type: 'BigInteger', value: BigInt.asIntN(8 * (1 + int(40)), BigInt(`0x${bytes().toString('hex') || '0'}`)) }),
    () => ({ tag, type: 'Enumeration', value: u32() }),
    () => ({ tag, type: 'Boolean', value: rand() < 0.5 }),
    () => ({ tag, type: 'TextString', value: TEXT_POOL[int(TEXT_POOL.length)] }),
    () => ({ tag, type: 'ByteString', value: bytes() }),
    () => ({ tag, type: 'DateTime', value: i64() }),
    () => ({ tag, type: 'Interval', value: u32() }),
    () => ({ tag, type: 'DateTimeExtended', value: i64() }),
  ];
  if (depth > 1 && rand() < 0.35) {
    return { tag, type: 'Structure', items: Array.from({ length: int(6) }, () => randomItem(rand, depth - 1)) };
  }
  return kinds[int(kinds.length)]();
}
