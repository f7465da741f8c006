import type { Change, ChangeFeed } from './change-feed';
import { OnceTokensFull, type OnceTokens } from './once-tokens';
import type { MemoryOnceTokens } from './memory-once';

/**
 * The messages between a multi-process gateway's primary and its workers (node:cluster IPC).
 * Workers ask the primary about single-use tokens and tell it about changes; the primary answers
 * and relays each change to the other workers.
 */
export type IpcMessage =
  /** The questions a worker gathered in one turn of its event loop, answered in one reply. */
  { t: 'kms.once'; qs: OnceQuestion[] } | { t: 'kms.once.r'; rs: OnceAnswer[] } | { t: 'kms.change'; change: Change };

export interface OnceQuestion {
  id: number;
  op: 'claim' | 'exists' | 'take';
  scope: string;
  token: string;
  exp?: number;
}

export interface OnceAnswer {
  id: number;
  value?: boolean;
  error?: 'full' | 'failed';
}

/** One end of the IPC channel: the worker's `process`, or a worker as seen by the primary. */
export interface IpcPort {
  send(msg: IpcMessage): void;
  /** Subscribes to the port's messages; returns the unsubscribe function. */
  listen(fn: (msg: IpcMessage) => void): () => void;
}

const isKms = (m: unknown): m is IpcMessage => typeof m === 'object' && m !== null && typeof (m as { t?: unknown }).t === 'string' && (m as { t: string }).t.startsWith('kms.');

/** This process's channel to its parent, when it was forked with one (a cluster worker). */
export function parentPort(): IpcPort | null {
  if (typeof process.send !== 'function') return null;
  return {
    send: (msg) => {
      if (!process.connected) throw new Error('the gateway primary is gone');
      process.send!(msg);
    },
    listen: (fn) => {
      const h = (m: unknown) => isKms(m) && fn(m);
      process.on('message', h);
      return () => process.off('message', h);
    },
  };
}

/** A port over anything with node's child-process messaging shape (a cluster `Worker`). */
export function childPort(child: {
  send(msg: unknown): boolean;
  on(ev: 'message', fn: (m: unknown) => void): unknown;
  off(ev: 'message', fn: (m: unknown) => void): unknown;
}): IpcPort {
  return {
    send: (msg) => void child.send(msg),
    listen: (fn) => {
      const h = (m: unknown) => isKms(m) && fn(m);
      child.on('message', h);
      return () => void child.off('message', h);
    },
  };
}

/**
 * A worker's single-use tokens: each call is a question to the primary, which holds them all.
 * Questions asked in one turn of the event loop travel in one message and come back in one reply
 * (under load, one IPC round trip serves every request that turn authenticated). An unanswered
 * question fails after `timeoutMs` (the request is refused, never let through).
 */
export class IpcOnceTokens implements OnceTokens {
  private nextId = 1;
  /** In order of asking, hence of deadline: the first entry is always the next to time out. */
  private readonly pending = new Map<number, { resolve: (v: boolean) => void; reject: (e: Error) => void; deadline: number }>();
  private queue: OnceQuestion[] = [];
  private flushing = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly unlisten: () => void;

  constructor(
    private readonly port: IpcPort,
    private readonly timeoutMs = 5000,
  ) {
    this.unlisten = port.listen((m) => {
      if (m.t !== 'kms.once.r') return;
      for (const r of m.rs) {
        const p = this.pending.get(r.id);
        if (!p) continue;
        this.pending.delete(r.id);
        if (r.error) p.reject(r.error === 'full' ? new OnceTokensFull('single-use token memory is full') : new Error('the gateway primary could not answer'));
        else p.resolve(r.value === true);
      }
      this.disarmWhenIdle();
    });
  }

  claim(scope: string, token: string, expiresAt: number): Promise<boolean> {
    return this.ask({ op: 'claim', scope, token, exp: expiresAt });
  }

  exists(scope: string, token: string): Promise<boolean> {
    return this.ask({ op: 'exists', scope, token });
  }

  take(scope: string, token: string): Promise<boolean> {
    return this.ask({ op: 'take', scope, token });
  }

  /** The primary sweeps its own memory. */
  async sweep(): Promise<number> {
    return 0;
  }

  close(): void {
    this.unlisten();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const p of this.pending.values()) p.reject(new Error('closed'));
    this.pending.clear();
    this.queue = [];
  }

  private ask(q: Omit<OnceQuestion, 'id'>): Promise<boolean> {
    const id = this.nextId++;
    return new Promise<boolean>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, deadline: Date.now() + this.timeoutMs });
      this.queue.push({ id, ...q });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => this.flush());
      }
      if (!this.timer) this.arm(this.timeoutMs);
    });
  }

  private flush(): void {
    this.flushing = false;
    const qs = this.queue;
    this.queue = [];
    try {
      this.port.send({ t: 'kms.once', qs });
    } catch (err) {
      for (const q of qs) this.settleWithError(q.id, err as Error);
    }
  }

  private settleWithError(id: number, err: Error): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.reject(err);
    this.disarmWhenIdle();
  }

  private disarmWhenIdle(): void {
    if (this.pending.size > 0 || !this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
  }

  /** One timer for all questions: it fails the overdue ones and waits for the next deadline. */
  private arm(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      const now = Date.now();
      for (const [id, p] of this.pending) {
        if (p.deadline > now) {
          this.arm(p.deadline - now);
          return;
        }
        this.settleWithError(id, new Error('the gateway primary did not answer'));
      }
    }, delayMs);
  }
}

/** The primary's side: answers a worker's questions from the one memory store, in one reply. */
export function answerOnce(tokens: MemoryOnceTokens, port: IpcPort, m: IpcMessage): void {
  if (m.t !== 'kms.once') return;
  const rs = m.qs.map((q): OnceAnswer => {
    try {
      const value = q.op === 'claim' ? tokens.claimNow(q.scope, q.token, Number(q.exp)) : q.op === 'exists' ? tokens.existsNow(q.scope, q.token) : tokens.takeNow(q.scope, q.token);
      return { id: q.id, value };
    } catch (err) {
      return { id: q.id, error: err instanceof OnceTokensFull ? 'full' : 'failed' };
    }
  });
  port.send({ t: 'kms.once.r', rs });
}

/** Cache invalidations between the workers of one gateway, relayed by the primary. */
export class IpcChangeFeed implements ChangeFeed {
  private unlisten: (() => void) | null = null;

  constructor(private readonly port: IpcPort) {}

  async publish(change: Change): Promise<void> {
    try {
      this.port.send({ t: 'kms.change', change });
    } catch {
      // The primary is gone (this worker is stopping); the cache TTL stays the bound.
    }
  }

  async start(onChange: (change: Change) => void): Promise<void> {
    this.unlisten = this.port.listen((m) => m.t === 'kms.change' && onChange(m.change));
  }

  async close(): Promise<void> {
    this.unlisten?.();
    this.unlisten = null;
  }
}
