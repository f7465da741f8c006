import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';

/**
 * The store every end-to-end and core suite runs on: SQLite in the data directory (default), or
 * PostgreSQL when KMS_TEST_DB is `pg` (`npm test` runs the suites once more that way when
 * KMS_TEST_PG_URL names a server; .ci/run starts a throw-away one). In the pg run each data
 * directory gets its own database on that server, named after the directory, so that a gateway
 * restarted on the same directory and the admin CLI on it find the same store, and no two test
 * files share one.
 */
export const TEST_DB: 'sqlite' | 'pg' = process.env.KMS_TEST_DB === 'pg' ? 'pg' : 'sqlite';

const created = new Set<string>();

/** The PostgreSQL server of the pg run (a `postgres://` URL whose database may be any). */
export function testPgUrl(): string {
  const url = process.env.KMS_TEST_PG_URL;
  if (!url) throw new Error('KMS_TEST_DB=pg needs KMS_TEST_PG_URL (a postgres:// URL of a server where databases may be created)');
  return url;
}

/** `url` with its database replaced. */
export function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/**
 * Creates the database if needed (synchronously, through a short node child using `pg`, so that
 * the helpers that spawn gateways stay synchronous) and returns its URL.
 */
export function ensureDatabase(name: string): string {
  const server = testPgUrl();
  if (!created.has(name)) {
    const script = `
      const { Client } = require('pg');
      const c = new Client({ connectionString: process.argv[1] });
      c.connect()
        .then(() => c.query('CREATE DATABASE "' + process.argv[2] + '"'))
        .catch((e) => { if (e.code !== '42P04') { console.error(e.message); process.exitCode = 1; } })
        .finally(() => c.end());`;
    execFileSync(process.execPath, ['-e', script, withDatabase(server, 'postgres'), name], { stdio: ['ignore', 'ignore', 'inherit'], cwd: __dirname });
    created.add(name);
  }
  return withDatabase(server, name);
}

/** The database of a data directory in the pg run. */
export const databaseFor = (dataDir: string) => `kms_t_${createHash('sha256').update(dataDir).digest('hex').slice(0, 24)}`;

/** Settings that put a gateway, the CLI or a kernel of this data directory on the test store. */
export function dbEnv(dataDir: string): Record<string, string> {
  if (TEST_DB !== 'pg') return {};
  return { KMS_DB_URL: ensureDatabase(databaseFor(dataDir)) };
}

/** Drops a data directory's database in the pg run (after its gateway stopped); a no-op otherwise. */
export function dropDatabaseFor(dataDir: string): void {
  if (TEST_DB !== 'pg') return;
  const name = databaseFor(dataDir);
  if (created.has(name)) dropDatabase(name);
}

/** Drops a database of the test server, connections and all. */
export function dropDatabase(name: string): void {
  const script = `
    const { Client } = require('pg');
    const c = new Client({ connectionString: process.argv[1] });
    c.connect()
      .then(() => c.query('DROP DATABASE IF EXISTS "' + process.argv[2] + '" WITH (FORCE)'))
      .catch((e) => { console.error(e.message); })
      .finally(() => c.end());`;
  execFileSync(process.execPath, ['-e', script, withDatabase(testPgUrl(), 'postgres'), name], { stdio: ['ignore', 'ignore', 'inherit'], cwd: __dirname });
  created.delete(name);
}
