import type { DataSource } from 'typeorm';

/** What changed in the shared store: a key's record, an alias, or a credential (by kind and lookup). */
export type Change = { kind: 'key'; id: string } | { kind: 'alias'; tenantId: string; name: string } | { kind: 'credential'; credentialKind: string; lookup: string };

/**
 * Tells the other processes on the same store that something they may have cached changed, so
 * they drop it at once instead of after the cache TTL. On PostgreSQL this is LISTEN/NOTIFY on one
 * channel; elsewhere it does nothing (the TTL is the bound). Best effort by design: a notification
 * lost while the listening connection is down is covered by clearing every cache on reconnect,
 * and by the TTL, which stays the documented bound.
 */
export interface ChangeFeed {
  publish(change: Change): Promise<void>;
  /** Calls `onChange` for every change published by any process; `onReset` when changes may have been missed. */
  start(onChange: (change: Change) => void, onReset: () => void): Promise<void>;
  close(): Promise<void>;
}

export const CHANGE_CHANNEL = 'kms_changes';

export class NoChangeFeed implements ChangeFeed {
  async publish(): Promise<void> {}
  async start(): Promise<void> {}
  async close(): Promise<void> {}
}

interface PgClient {
  connect(): Promise<void>;
  query(sql: string, params?: unknown[]): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'notification', fn: (msg: { channel: string; payload?: string }) => void): void;
  on(event: 'error' | 'end', fn: (err?: Error) => void): void;
}

/** The pg driver TypeORM already uses (no type package is installed, hence the local shape). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadPg = () => require('pg') as { Client: new (config: { connectionString: string }) => PgClient };

const ENCODERS: { [K in Change['kind']]: (c: Extract<Change, { kind: K }>) => string } = {
  key: (c) => `k ${c.id}`,
  // Alias names may hold spaces: the pair travels as JSON.
  alias: (c) => `a ${JSON.stringify([c.tenantId, c.name])}`,
  credential: (c) => `c ${c.credentialKind} ${c.lookup}`,
};
const encode = (c: Change) => (ENCODERS[c.kind] as (c: Change) => string)(c);
function decode(payload: string | undefined): Change | null {
  if (!payload) return null;
  const [tag, a, ...rest] = payload.split(' ');
  if (tag === 'k' && a) return { kind: 'key', id: a };
  if (tag === 'a') return decodeAlias(payload.slice(2));
  if (tag === 'c' && a && rest.length) return { kind: 'credential', credentialKind: a, lookup: rest.join(' ') };
  return null;
}

export class PgChangeFeed implements ChangeFeed {
  private client: PgClient | null = null;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly ds: DataSource,
    private readonly url: string,
    private readonly onError: (err: unknown) => void = () => {},
    private readonly retryMs = 1000,
  ) {}

  async publish(change: Change): Promise<void> {
    try {
      await this.ds.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, encode(change)]);
    } catch (err) {
      // The change itself is committed; other replicas see it within the TTL anyway.
      this.onError(err);
    }
  }

  async start(onChange: (change: Change) => void, onReset: () => void): Promise<void> {
    const connect = async (first: boolean): Promise<void> => {
      if (this.closed) return;
      const { Client } = loadPg();
      const client = new Client({ connectionString: this.url });
      let failed = false;
      const reconnect = (err?: Error) => {
        if (failed || this.closed) return;
        failed = true;
        if (err) this.onError(err);
        this.client = null;
        client.end().catch(() => {});
        this.retry = setTimeout(() => void connect(false), this.retryMs);
        this.retry.unref();
      };
      client.on('error', reconnect);
      client.on('end', () => reconnect(new Error('the change-feed connection ended')));
      client.on('notification', (msg) => {
        if (msg.channel !== CHANGE_CHANNEL) return;
        const change = decode(msg.payload);
        if (change) onChange(change);
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${CHANGE_CHANNEL}`);
        if (this.closed) {
          failed = true;
          await client.end().catch(() => {});
          return;
        }
        this.client = client;
        // Whatever happened while nobody listened is unknown: forget every cached entry.
        if (!first) onReset();
      } catch (err) {
        if (first) {
          failed = true;
          await client.end().catch(() => {});
          throw err;
        }
        reconnect(err as Error);
      }
    };
    await connect(true);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const c = this.client;
    this.client = null;
    if (c) await c.end().catch(() => {});
  }
}

function decodeAlias(json: string): Change | null {
  try {
    const [tenantId, name] = JSON.parse(json) as unknown[];
    return typeof tenantId === 'string' && typeof name === 'string' ? { kind: 'alias', tenantId, name } : null;
  } catch {
    return null;
  }
}
