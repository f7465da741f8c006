import type { Change, ChangeFeed } from './change-feed';
import { OnceTokensFull, type OnceTokens } from './once-tokens';
import type { MemoryOnceTokens } from './memory-once';

/**
 * The messages between a multi-process gateway's primary and its workers (node:cluster IPC).
 * Workers ask the primary about single-use tokens and tell it about changes; the primary answers
 * and relays each change to the other workers.
 */
export type IpcMessage =
  | { t: 'kms.once'; id: number; op: 'claim' | 'exists' | 'take'; scope: string; token: string; exp?: number }
  | { t: 'kms.once.r'; id: number; value?: boolean; error?: 'full' | 'failed' }
  | { t: 'kms.change'; change: Change };

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
export function childPort(child: { send(msg: unknown): boolean; on(ev: 'message', fn: (m: unknown) => void): unknown; off(ev: 'message', fn: (m: unknown) => void): unknown }): IpcPort {
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
 * A worker's single-use tokens: each call is a question to the primary, which holds them all. An
 * unanswered question fails after `timeoutMs` (the request is refused, never let through).
 */
export class IpcOnceTokens implements OnceTokens {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: boolean) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly unlisten: () => void;

  constructor(
    private readonly port: IpcPort,
    private readonly timeoutMs = 5000,
  ) {
    this.unlisten = port.listen((m) => {
      if (m.t !== 'kms.once.r') return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error) p.reject(m.error === 'full' ? new OnceTokensFull('single-use token memory is full') : new Error('the gateway primary could not answer'));
      else p.resolve(m.value === true);
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
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('closed'));
    }
    this.pending.clear();
  }

  private ask(q: { op: 'claim' | 'exists' | 'take'; scope: string; token: string; exp?: number }): Promise<boolean> {
    const id = this.nextId++;
    return new Promise<boolean>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error('the gateway primary did not answer'));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      try {
        this.port.send({ t: 'kms.once', id, ...q });
      } catch (err) {
        this.pending.delete(id);
        clearTimeout(timer);
        reject(err as Error);
      }
    });
  }
}

/** The primary's side: answers a worker's questions from the one memory store. */
export function answerOnce(tokens: MemoryOnceTokens, port: IpcPort, m: IpcMessage): void {
  if (m.t !== 'kms.once') return;
  let reply: IpcMessage;
  try {
    const value = m.op === 'claim' ? tokens.claimNow(m.scope, m.token, Number(m.exp)) : m.op === 'exists' ? tokens.existsNow(m.scope, m.token) : tokens.takeNow(m.scope, m.token);
    reply = { t: 'kms.once.r', id: m.id, value };
  } catch (err) {
    reply = { t: 'kms.once.r', id: m.id, error: err instanceof OnceTokensFull ? 'full' : 'failed' };
  }
  port.send(reply);
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
