#!/usr/bin/env node
/**
 * The PostgreSQL run of `npm test`: the end-to-end and core suites again, each data directory on
 * its own database of the server named by KMS_TEST_PG_URL (KMS_TEST_DB=pg, see test-db.ts), plus
 * the two-replica suite. .ci/run starts a throw-away server and sets the URL; locally,
 * `eval "$(bash .ci/pg-server.sh start)"` does the same. Without a URL the run is skipped, except
 * under CI=true, where a missing PostgreSQL is a failure.
 *
 * Not in this run: the foundation suite (the SQLite file and a restart through a bare
 * KMS_DATA_DIR) and store-free unit tests. no-clear-keys scans the tables here instead of the files.
 */
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

if (!process.env.KMS_TEST_PG_URL) {
  if (process.env.CI === 'true') {
    console.error('test:pg: KMS_TEST_PG_URL is not set, so the PostgreSQL run cannot happen (CI runs `bash .ci/run`, which starts a server)');
    process.exit(1);
  }
  console.log('test:pg: skipped (set KMS_TEST_PG_URL, e.g. eval "$(bash .ci/pg-server.sh start)", to run the suites on PostgreSQL too)');
  process.exit(0);
}

const root = join(__dirname, '../..');
const suites = ['test/replicas', 'test/ehsm', 'test/jose', 'test/encedo', 'test/aws', 'test/vault', 'test/cross-dialect.e2e.ts', 'test/lifecycle.e2e.ts', 'test/cluster.e2e.ts', 'test/seed.e2e.ts', 'test/core'];
// Nest 12 is ESM: jest loads it natively (require(esm)) only with VM modules on (Node 24.9+).
const args = ['--experimental-vm-modules', join(root, 'node_modules/jest/bin/jest.js'), '--runInBand', '--testPathIgnorePatterns', 'auth\\.spec', 'known-answers', '--', ...suites];
const started = Date.now();
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, KMS_TEST_DB: 'pg' } });
console.log(`test:pg: ${r.status === 0 ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s`);
process.exit(r.status ?? 1);
