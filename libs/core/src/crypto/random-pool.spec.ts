// The default import is the module object itself (a namespace import is a frozen copy):
// random-pool reads its functions at call time, so spies on it see the pool's calls.
import crypto from 'node:crypto';
import { RandomPool, randomIv } from './random-pool';

describe('RandomPool', () => {
  afterEach(() => jest.restoreAllMocks());

  /** Records every buffer the pool fills, so a test can see what it should have handed out. */
  function watchFills(): Buffer[] {
    const fills: Buffer[] = [];
    const real = crypto.randomFillSync;
    jest.spyOn(crypto, 'randomFillSync').mockImplementation(((buf: Buffer) => {
      real(buf);
      fills.push(Buffer.from(buf));
      return buf;
    }) as typeof crypto.randomFillSync);
    return fills;
  }

  it('hands out distinct values across many refills', () => {
    const pool = new RandomPool(4096);
    const ivs = Array.from({ length: 10_000 }, () => pool.take(12));
    expect(ivs.every((iv) => iv.length === 12)).toBe(true);
    expect(new Set(ivs.map((iv) => iv.toString('hex'))).size).toBe(10_000);
  });

  it('hands out each byte of a fill once, in order, and refills when too few are left', () => {
    const fills = watchFills();
    const pool = new RandomPool(32);
    const a = pool.take(12);
    const b = pool.take(12);
    expect(fills).toHaveLength(1);
    expect(a).toEqual(fills[0].subarray(0, 12));
    expect(b).toEqual(fills[0].subarray(12, 24));
    // 8 bytes are left: a 12-byte request refills rather than reusing or splitting.
    const c = pool.take(12);
    expect(fills).toHaveLength(2);
    expect(c).toEqual(fills[1].subarray(0, 12));
    // An exact fit uses the last bytes without a refill.
    const d = pool.take(20);
    expect(fills).toHaveLength(2);
    expect(d).toEqual(fills[1].subarray(12, 32));
    pool.take(1);
    expect(fills).toHaveLength(3);
  });

  it('returns copies, not views of the pool', () => {
    const fills = watchFills();
    const pool = new RandomPool(64);
    const a = pool.take(16);
    const copy = Buffer.from(a);
    a.fill(0);
    const b = pool.take(16);
    expect(b).toEqual(fills[0].subarray(16, 32));
    expect(copy).toEqual(fills[0].subarray(0, 16));
    // The caller's buffer is no window onto the pool's memory.
    const filled = (crypto.randomFillSync as unknown as jest.Mock).mock.calls[0][0] as Buffer;
    expect(a.buffer).not.toBe(filled.buffer);
    expect(b.buffer).not.toBe(filled.buffer);
  });

  it('sends requests larger than the pool (or than maxTake) to randomBytes', () => {
    const fills = watchFills();
    const bytes = jest.spyOn(crypto, 'randomBytes');
    const pool = new RandomPool(32, 16);
    expect(pool.take(33)).toHaveLength(33);
    expect(pool.take(17)).toHaveLength(17);
    expect(bytes).toHaveBeenCalledTimes(2);
    expect(fills).toHaveLength(0);
    expect(pool.take(16)).toHaveLength(16);
    expect(bytes).toHaveBeenCalledTimes(2);
    expect(fills).toHaveLength(1);
  });

  it('randomIv draws from the shared pool', () => {
    const ivs = Array.from({ length: 1000 }, () => randomIv(12));
    expect(ivs.every((iv) => iv.length === 12)).toBe(true);
    expect(new Set(ivs.map((iv) => iv.toString('hex'))).size).toBe(1000);
    expect(randomIv(16)).toHaveLength(16);
  });
});
