import { MemoryReplayLedger, ReplayLedgerFull, replayKey } from './replay-ledger';

/**
 * The in-process ledger keeps digests in expiry slices (replay-ledger.ts): an entry must be refused
 * again until its expiry, may be forgotten only after it, and a full ledger refuses, never drops.
 */
describe('MemoryReplayLedger', () => {
  const MIN = 60 * 1000;
  let clock: number;
  const now = () => clock;
  beforeEach(() => {
    clock = 1_764_000_000_000;
  });

  it('refuses a key it accepted, and only that key', async () => {
    const g = new MemoryReplayLedger(20 * MIN, 100, now);
    const k = replayKey('app', 'n1', String(clock));
    expect(await g.seen(k)).toBe(false);
    expect(await g.claim(k)).toBe(true);
    expect(await g.seen(k)).toBe(true);
    expect(await g.claim(k)).toBe(false);
    expect(await g.seen(replayKey('app', 'n2', String(clock)))).toBe(false);
    expect(await g.seen(replayKey('app2', 'n1', String(clock)))).toBe(false);
    expect(g.size).toBe(1);
  });

  it('keeps an entry until its expiry and forgets it within one slice after', async () => {
    const g = new MemoryReplayLedger(20 * MIN, 100, now);
    const k = replayKey('app', 'n', String(clock));
    expect(await g.claim(k, clock + 10 * MIN)).toBe(true);
    clock += 10 * MIN - 1;
    expect(await g.seen(k)).toBe(true);
    expect(await g.claim(k, clock + 10 * MIN)).toBe(false);
    clock += 1 + (20 * MIN) / 20;
    expect(await g.seen(k)).toBe(false);
    expect(g.size).toBe(0);
    expect(await g.claim(k)).toBe(true);
  });

  it('never keeps an entry past its TTL, whatever expiry it is given', async () => {
    const g = new MemoryReplayLedger(20 * MIN, 100, now);
    const k = replayKey('app', 'n', String(clock));
    expect(await g.claim(k, clock + 60 * MIN)).toBe(true);
    clock += 20 * MIN - 1;
    expect(await g.seen(k)).toBe(true);
    clock += 1 + MIN;
    expect(await g.seen(k)).toBe(false);
  });

  it.each([undefined, NaN, Infinity])('without a usable expiry (%p) keeps an entry for the TTL', async (expiresAt) => {
    const g = new MemoryReplayLedger(20 * MIN, 100, now);
    const k = replayKey('app', 'n', String(clock));
    expect(await g.claim(k, expiresAt)).toBe(true);
    clock += 20 * MIN - 1;
    expect(await g.seen(k)).toBe(true);
    clock += 1 + MIN;
    expect(await g.seen(k)).toBe(false);
    expect(g.size).toBe(0);
  });

  it('when full of live entries refuses new ones (fail closed), and takes them again once some expire', async () => {
    const g = new MemoryReplayLedger(20 * MIN, 3, now);
    const ts = String(clock);
    for (let i = 0; i < 3; i++) expect(await g.claim(replayKey('app', `n${i}`, ts), clock + (i === 0 ? MIN : 10 * MIN))).toBe(true);
    await expect(g.claim(replayKey('app', 'n3', ts))).rejects.toBeInstanceOf(ReplayLedgerFull);
    // The live ones are still refused as replays, not as "full".
    expect(await g.claim(replayKey('app', 'n1', ts))).toBe(false);
    clock += 2 * MIN + 1;
    expect(g.size).toBe(3);
    expect(await g.claim(replayKey('app', 'n3', ts))).toBe(true);
    expect(g.size).toBe(3);
    expect(await g.seen(replayKey('app', 'n2', ts))).toBe(true);
  });
});
