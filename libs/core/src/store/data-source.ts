import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, type DataSourceOptions, type EntityManager } from 'typeorm';
import { AuditEntity } from './entities/audit.entity';
import { CredentialEntity } from './entities/credential.entity';
import { KeyEntity } from './entities/key.entity';
import { KeyAliasEntity } from './entities/key-alias.entity';
import { KeyVersionEntity } from './entities/key-version.entity';
import { OnceTokenEntity } from './entities/once-token.entity';
import { QuotePolicyEntity } from './entities/quote-policy.entity';
import { SecretEntity, SecretVersionEntity } from './entities/secret.entity';
import { TenantEntity } from './entities/tenant.entity';
import { InitialSchema1764669600000 } from './migrations/1764669600000-initial-schema';
import { QuotePolicies1764756000000 } from './migrations/1764756000000-quote-policies';
import { Replicas1764900000000 } from './migrations/1764900000000-replicas';
import { KeyLifecycle1765100000000 } from './migrations/1765100000000-key-lifecycle';

export const ENTITIES = [
  TenantEntity,
  KeyEntity,
  CredentialEntity,
  SecretEntity,
  SecretVersionEntity,
  AuditEntity,
  QuotePolicyEntity,
  OnceTokenEntity,
  KeyVersionEntity,
  KeyAliasEntity,
];
export const MIGRATIONS = [InitialSchema1764669600000, QuotePolicies1764756000000, Replicas1764900000000, KeyLifecycle1765100000000];

/** Key of the PostgreSQL advisory lock that serialises migrations of replicas starting together. */
const MIGRATION_LOCK = 7_146_031_508;

export const isPostgresUrl = (url: string) => url.startsWith('postgres://') || url.startsWith('postgresql://');

/**
 * `sqlite:<path>` (default) or `postgres://...`. The schema is only ever changed by migrations,
 * which run at start-up; `synchronize` stays off.
 */
export function dataSourceOptions(url: string): DataSourceOptions {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, synchronize: false, migrationsRun: false, logging: false } as const;
  if (isPostgresUrl(url)) {
    return { ...common, type: 'postgres', url, extra: { max: 10 } };
  }
  const path = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url;
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  return { ...common, type: 'sqlite', database: path, busyTimeout: 5000 };
}

export async function openDataSource(url: string): Promise<DataSource> {
  const ds = new DataSource(dataSourceOptions(url));
  await ds.initialize();
  if (ds.options.type === 'sqlite') {
    // WAL lets readers run beside the audit group commit; FULL makes each commit durable, so an
    // acknowledged write survives kill -9 and power loss. busyTimeout covers a CLI writing meanwhile.
    await ds.query('PRAGMA journal_mode = WAL');
    await ds.query('PRAGMA synchronous = FULL');
    await ds.query('PRAGMA foreign_keys = ON');
    serializeTransactions(ds);
  }
  if (ds.options.type === 'postgres') {
    // Replicas started together on an empty database would otherwise all create the same tables:
    // one migrates under a session lock, the others wait, then find nothing left to do.
    const lock = ds.createQueryRunner();
    try {
      await lock.connect();
      await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        await ds.runMigrations({ transaction: 'each' });
      } finally {
        await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
      }
    } catch (err) {
      await lock.release().catch(() => {});
      await ds.destroy().catch(() => {});
      throw err;
    }
    await lock.release();
    return ds;
  }
  await ds.runMigrations({ transaction: 'each' });
  return ds;
}

/**
 * TypeORM drives SQLite through one connection, so two transactions running at once would
 * interleave on it (the second becomes a savepoint inside the first, and the first's COMMIT or
 * ROLLBACK takes the other's work with it). Queue them: each transaction callback only uses its
 * own EntityManager, so none waits on another. (PostgreSQL gives each transaction a pooled
 * connection of its own.)
 */
function serializeTransactions(ds: DataSource): void {
  const manager = ds.manager;
  const original = manager.transaction.bind(manager) as (...args: unknown[]) => Promise<unknown>;
  let tail: Promise<unknown> = Promise.resolve();
  (manager as unknown as { transaction: (...args: unknown[]) => Promise<unknown> }).transaction = (...args: unknown[]) => {
    const fn = args[args.length - 1] as (em: EntityManager) => Promise<unknown>;
    // The audit sink writes on a connection of its own. A transaction that read first and writes
    // afterwards would fail with SQLITE_BUSY (no wait) if the audit connection committed between
    // the two; an empty write first takes the write lock at once (BEGIN IMMEDIATE, which TypeORM
    // cannot ask for), waiting on busyTimeout like any writer.
    // A statement issued outside any transaction by another caller runs on the same connection
    // and may land between BEGIN and that write: a read gives the transaction a snapshot, and if
    // the audit connection commits meanwhile, the write fails with SQLITE_BUSY at once (SQLite
    // does not wait where waiting could not help). Nothing of the transaction has run yet then,
    // so it is rolled back and begun again.
    const immediate = async (em: EntityManager) => {
      try {
        await em.query('UPDATE tenants SET name = name WHERE 0 = 1');
      } catch (err) {
        throw isBusy(err) ? new WriteLockMissed(err) : err;
      }
      return fn(em);
    };
    const attempt = async (left: number): Promise<unknown> => {
      try {
        return await original(...args.slice(0, -1), immediate);
      } catch (err) {
        if (!(err instanceof WriteLockMissed)) throw err;
        if (left === 0) throw err.busy;
        return attempt(left - 1);
      }
    };
    const run = tail.then(() => attempt(WRITE_LOCK_RETRIES));
    // After a storage failure (disk full, I/O error) TypeORM's own ROLLBACK does not always end
    // the transaction on the connection: left open, it would hold SQLite's write lock for good,
    // and every later write (the audit's, on its own connection) would wait and fail as busy,
    // long after the disk had room again. End it before the next transaction begins; a ROLLBACK
    // with nothing open fails harmlessly.
    tail = run.catch(async (err) => {
      if (isStorageFailure(err)) await ds.query('ROLLBACK').catch(() => undefined);
    });
    return run;
  };
}

/** Fresh starts of a transaction whose first write met SQLITE_BUSY without waiting (one has always sufficed). */
const WRITE_LOCK_RETRIES = 5;

/** The lock-taking write of a transaction failed before any of its own work ran. */
class WriteLockMissed extends Error {
  constructor(readonly busy: unknown) {
    super('the write lock was not taken');
  }
}

/** SQLite's result codes for a write the storage could not take (the message starts with the code). */
const STORAGE_FAILURES = /^(SQLITE_FULL|SQLITE_IOERR|SQLITE_READONLY|SQLITE_CANTOPEN|SQLITE_NOMEM)\b/;

function isStorageFailure(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return (typeof code === 'string' && STORAGE_FAILURES.test(code)) || (typeof e?.message === 'string' && STORAGE_FAILURES.test(e.message));
}

function isBusy(err: unknown): boolean {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | null;
  return e?.code === 'SQLITE_BUSY' || e?.driverError?.code === 'SQLITE_BUSY';
}
