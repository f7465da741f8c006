import { EventEmitter } from 'node:events';
import { IpcChangeFeed, IpcOnceTokens, MemoryOnceTokens, OnceTokensFull, answerOnce, type Change, type IpcMessage, type IpcPort } from '@kms/core';
import { LayeredReplayLedger, SharedReplayLedger } from '@kms/dialect-ehsm';

/**
 * The state a multi-process gateway's workers share through the primary (KMS_WORKERS > 1): the
 * primary's memory of single-use tokens with the same semantics as the store's, the questions
 * workers ask it over IPC, and the relay of cache invalidations. The processes themselves are
 * exercised in test/cluster.e2e.ts; here the two ends are joined in one process.
 */
function pipe(): { worker: IpcPort; primary: IpcPort; answered: () => number; replies: () => number } {
  const toPrimary = new EventEmitter();
  const toWorker = new EventEmitter();
  let answered = 0;
  let replies = 0;
  // Asynchronous, as real IPC is.
  const port = (out: EventEmitter, inbox: EventEmitter, count = false): IpcPort => ({
    send: (m) => {
      if (count && m.t === 'kms.once.r') {
        answered += m.rs.length;
        replies++;
      }
      setImmediate(() => out.emit('m', structuredClone(m)));
    },
    listen: (fn) => {
      const h = (m: IpcMessage) => fn(m);
      inbox.on('m', h);
      return () => inbox.off('m', h);
    },
  });
  return { worker: port(toPrimary, toWorker), primary: port(toWorker, toPrimary, true), answered: () => answered, replies: () => replies };
}

describe('single-use tokens in the primary', () => {
  it('claims once, lets an expired token go, takes once and sweeps (as the store does)', async () => {
    let now = 1_000_000;
    const once = new MemoryOnceTokens(100, () => now);
    expect(await once.claim('s', 'a', now + 100)).toBe(true);
    expect(await once.claim('s', 'a', now + 100)).toBe(false);
    expect(await once.claim('other', 'a', now + 100)).toBe(true);
    expect(await once.exists('s', 'a')).toBe(true);
    now += 100;
    expect(await once.exists('s', 'a')).toBe(false);
    expect(await once.claim('s', 'a', now + 100)).toBe(true);
    expect(await once.take('s', 'a')).toBe(true);
    expect(await once.take('s', 'a')).toBe(false);
    expect(once.size).toBe(1);
    now += 1000;
    expect(await once.sweep()).toBe(1);
    expect(once.size).toBe(0);
  });

  it('refuses a claim when full of live tokens, and makes room from expired ones first', async () => {
    let now = 0;
    const once = new MemoryOnceTokens(2, () => now);
    expect(await once.claim('s', 'a', 10)).toBe(true);
    expect(await once.claim('s', 'b', 1000)).toBe(true);
    await expect(once.claim('s', 'c', 1000)).rejects.toBeInstanceOf(OnceTokensFull);
    now = 10;
    expect(await once.claim('s', 'c', 1000)).toBe(true);
    expect(await once.exists('s', 'b')).toBe(true);
  });

  it('answers a worker over IPC, so two workers claiming the same request accept it once', async () => {
    const memory = new MemoryOnceTokens();
    const a = pipe();
    const b = pipe();
    for (const p of [a, b]) p.primary.listen((m) => answerOnce(memory, p.primary, m));
    const guardA = new SharedReplayLedger(new IpcOnceTokens(a.worker));
    const guardB = new SharedReplayLedger(new IpcOnceTokens(b.worker));
    const key = 'app\u0000nonce\u00001700000000000';
    expect(await guardA.seen(key)).toBe(false);
    const racing = await Promise.all([guardA.claim(key), guardB.claim(key), guardA.claim(key), guardB.claim(key)]);
    expect(racing.filter(Boolean)).toHaveLength(1);
    expect(await guardB.seen(key)).toBe(true);
    expect(a.answered() + b.answered()).toBe(6);
    // The racing claims were asked in one turn: one message and one reply per worker.
    expect(a.replies() + b.replies()).toBe(4);
  });

  it('puts a local memory in front: a replay to the same worker costs no question, to another one is refused by the primary', async () => {
    const memory = new MemoryOnceTokens();
    const a = pipe();
    const b = pipe();
    for (const p of [a, b]) p.primary.listen((m) => answerOnce(memory, p.primary, m));
    const guardA = new LayeredReplayLedger(new SharedReplayLedger(new IpcOnceTokens(a.worker)));
    const guardB = new LayeredReplayLedger(new SharedReplayLedger(new IpcOnceTokens(b.worker)));
    const key = 'app\u0000nonce\u00001700000000001';
    expect(await guardA.seen(key)).toBe(false);
    expect(a.answered()).toBe(0);
    expect(await guardA.claim(key, Date.now() + 60_000)).toBe(true);
    expect(await guardA.seen(key)).toBe(true);
    expect(await guardB.seen(key)).toBe(false);
    expect(await guardB.claim(key, Date.now() + 60_000)).toBe(false);
    expect(a.answered() + b.answered()).toBe(2);
  });

  it('fails closed: a full primary and a silent primary both reject the question', async () => {
    const full = new MemoryOnceTokens(0);
    const p = pipe();
    p.primary.listen((m) => answerOnce(full, p.primary, m));
    await expect(new IpcOnceTokens(p.worker).claim('s', 't', Date.now() + 1000)).rejects.toBeInstanceOf(OnceTokensFull);
    const silent = pipe();
    await expect(new IpcOnceTokens(silent.worker, 50).claim('s', 't', Date.now() + 1000)).rejects.toThrow(/did not answer/);
    const gone: IpcPort = {
      send: () => {
        throw new Error('the gateway primary is gone');
      },
      listen: () => () => {},
    };
    await expect(new IpcOnceTokens(gone).take('s', 't')).rejects.toThrow(/gone/);
  });

  it('relays changes published by one worker to the other', async () => {
    const p = pipe();
    const sent: IpcMessage[] = [];
    p.primary.listen((m) => sent.push(m));
    const seen: Change[] = [];
    const feed = new IpcChangeFeed(p.worker);
    await feed.start((c) => seen.push(c));
    await feed.publish({ kind: 'key', id: 'k1' });
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual([{ t: 'kms.change', change: { kind: 'key', id: 'k1' } }]);
    p.primary.send({ t: 'kms.change', change: { kind: 'credential', credentialKind: 'jose-token', lookup: 'x' } });
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([{ kind: 'credential', credentialKind: 'jose-token', lookup: 'x' }]);
    await feed.close();
  });
});
