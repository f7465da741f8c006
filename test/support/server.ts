import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createSoftHsmToken, type SoftHsmToken } from './softhsm';
import { dbEnv, dropDatabaseFor } from './test-db';

export const ROOT = resolve(__dirname, '../..');
/**
 * The build under test: `dist/` (what `npm test` builds), or another build directory inside the
 * repo named by KMS_TEST_DIST, so that parallel work does not rebuild under a running suite.
 */
const DIST = resolve(ROOT, process.env.KMS_TEST_DIST ?? 'dist');
export const MAIN = join(DIST, 'apps/gateway/src/main.js');
export const CLI = join(DIST, 'apps/gateway/src/cli.js');

/**
 * The backend every end-to-end suite runs on: `soft` (default) or `pkcs11` when KMS_TEST_BACKEND
 * is `pkcs11` (`npm test` runs the dialect suites once each way). In the pkcs11 run the gateway
 * and the admin CLI get a private SoftHSM2 token (one per test file, so a restarted gateway finds
 * its keys) and KMS_DEFAULT_BACKEND=pkcs11 with no fallback: every key of a spec the token can
 * hold is made on it, and any other spec is refused (see test/support/backend.ts).
 */
export const TEST_BACKEND: 'soft' | 'pkcs11' = process.env.KMS_TEST_BACKEND === 'pkcs11' ? 'pkcs11' : 'soft';
let testToken: SoftHsmToken | undefined;

/** Settings that put the gateway (and the CLI) on the test backend; explicit settings win. */
export function backendEnv(): Record<string, string> {
  if (TEST_BACKEND !== 'pkcs11') return {};
  if (!testToken) {
    const token = createSoftHsmToken('kms-e2e');
    testToken = token;
    process.once('exit', () => token.cleanup());
  }
  return { ...testToken.env, SOFTHSM2_CONF: join(testToken.dir, 'softhsm2.conf'), KMS_DEFAULT_BACKEND: 'pkcs11' };
}

export interface Gateway {
  url: string;
  dataDir: string;
  proc: ChildProcess;
  /** Everything the process wrote, for assertions on logs. */
  output: () => string;
  /** SIGTERM and wait for exit. */
  stop: () => Promise<void>;
  /** SIGKILL, as a crash would. */
  kill9: () => Promise<void>;
  /** Removes the data directory (after stop). */
  cleanup: () => void;
}

export function tempDir(prefix = 'kms-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Starts the real built gateway (`dist/`, as `npm start` runs it) on a free loopback port and
 * resolves once it prints its listening line.
 */
export function startGateway(env: Record<string, string> = {}, dataDir = tempDir()): Promise<Gateway> {
  const proc = spawn(process.execPath, [MAIN], {
    env: { ...process.env, KMS_DATA_DIR: dataDir, KMS_PORT: '0', KMS_LOG_LEVEL: 'warn', ...backendEnv(), ...dbEnv(dataDir), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`gateway did not start in 20 s:\n${out}`));
    }, 20000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /kms-gateway listening on (https?:\/\/[\d.]+:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePromise({
          url: m[1],
          dataDir,
          proc,
          output: () => out,
          stop: async () => {
            if (proc.exitCode === null) proc.kill('SIGTERM');
            await exited;
          },
          kill9: async () => {
            if (proc.exitCode === null) proc.kill('SIGKILL');
            await exited;
          },
          cleanup: () => {
            rmSync(dataDir, { recursive: true, force: true });
            dropDatabaseFor(dataDir);
          },
        });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (c: Buffer) => (out += c.toString()));
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code} before listening:\n${out}`));
    });
  });
}

/** Runs the built admin CLI on a data dir and parses its JSON output. */
export function cli(dataDir: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; json: any; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const proc = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, KMS_DATA_DIR: dataDir, ...backendEnv(), ...dbEnv(dataDir), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.once('exit', (code) => {
      let json: unknown = null;
      try {
        json = JSON.parse(stdout);
      } catch {
        // not JSON: the caller looks at stdout/stderr
      }
      resolvePromise({ code, json, stdout, stderr });
    });
  });
}

/** Runs the gateway expecting it to refuse to start; returns its exit code and output. */
export function runGatewayExpectingExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise) => {
    const proc = spawn(process.execPath, [MAIN], { env: { ...process.env, KMS_PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (c: Buffer) => (output += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 20000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output });
    });
  });
}
