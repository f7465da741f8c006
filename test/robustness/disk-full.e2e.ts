import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, MAIN, ROOT, backendEnv, tempDir } from '../support/server';
import { settled } from '../support/eventually';

/**
 * The SQLite disk fills up: writes fail closed, the process stays up, `/health/ready` says 503
 * while the store cannot commit and 200 again by itself once space is back. The data directory
 * is a 24 MiB tmpfs mounted in a user and mount namespace of the gateway's own
 * (test/support/small-disk.js under `unshare -rm`), so no root is needed and nothing is mounted
 * outside it.
 */
interface Answer {
  id?: number;
  [k: string]: unknown;
}

let proc: ChildProcess;
let url: string;
let out = '';
const dir = tempDir('kms-disk-');
const pending = new Map<number, (a: Answer) => void>();
let nextId = 1;

function ask(what: string, args?: string[]): Promise<Answer> {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    proc.stdin!.write(`${JSON.stringify({ id, do: what, args })}\n`);
  });
}

const ready = async () => {
  const res = await fetch(`${url}/health/ready`);
  return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, { ok: boolean; detail?: string }> } };
};

beforeAll(async () => {
  proc = spawn('unshare', ['-rm', process.execPath, join(ROOT, 'test/support/small-disk.js'), dir, '24', MAIN, CLI], {
    env: { ...process.env, KMS_PORT: '0', KMS_LOG_LEVEL: 'warn', ...backendEnv(), KMS_DB_URL: '', KMS_TEST_DB: '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the gateway did not start on the small disk:\n${out}`)), 20000);
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      for (const line of c.toString().split('\n')) {
        if (!line.startsWith('@small-disk ')) continue;
        const a = JSON.parse(line.slice('@small-disk '.length)) as Answer;
        if (a.id !== undefined) pending.get(a.id)?.(a);
      }
      const m = /kms-gateway listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    proc.once('exit', (code) => reject(new Error(`unshare exited with ${code}:\n${out}`)));
  });
}, 30000);

afterAll(async () => {
  proc.stdin!.end();
  await new Promise((r) => proc.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
});

describe('the SQLite disk full', () => {
  let token: string;
  const createKey = () =>
    fetch(`${url}/v1/crypto/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kty: 'oct', alg: 'A256GCM' }),
      signal: AbortSignal.timeout(10000),
    });

  it('ready with space; 503 while full, with the reason; writes refused, nothing half-written, the process up; 200 again by itself', async () => {
    expect((await ask('cli', ['tenant', 'create', 'disk'])).code).toBe(0);
    const issued = await ask('cli', ['credential', 'jose', 'disk']);
    token = (JSON.parse(String(issued.stdout)) as { token: string }).token;
    expect((await createKey()).status).toBe(200);
    expect(await ready()).toMatchObject({ status: 200, body: { status: 'ready', checks: { database: { ok: true } } } });
    const keysBefore = (JSON.parse(String((await ask('cli', ['key', 'list', 'disk'])).stdout)) as { keys: unknown[] }).keys;

    const filled = await ask('fill');
    expect(filled.written).toBeGreaterThan(1_000_000);
    const full = await settled(ready, (r) => r.status === 503);
    expect(full.status).toBe(503);
    expect(full.body.status).toBe('not ready');
    expect(full.body.checks.database.ok).toBe(false);
    expect(full.body.checks.database.detail).toMatch(/MiB free where the database lives, below the 8 MiB that writes need \(KMS_STORE_MIN_FREE_MB\)/);

    // A write on the full disk fails closed: refused (the CLI too, since even a read is audited), and no key is left behind.
    expect((await ask('cli', ['key', 'list', 'disk'])).stderr).toMatch(/the audit record could not be written/);
    for (let i = 0; i < 20; i++) {
      const res = await createKey();
      expect([res.status, await res.text()]).toEqual([500, JSON.stringify({ error: 'internal_error', description: 'Internal server error' })]);
    }
    expect((await fetch(`${url}/health/live`)).status).toBe(200);

    await ask('free');
    const back = await settled(ready, (r) => r.status === 200);
    expect(back).toMatchObject({ status: 200, body: { status: 'ready', checks: { database: { ok: true } } } });
    expect((await createKey()).status).toBe(200);
    const keysAfter = (JSON.parse(String((await ask('cli', ['key', 'list', 'disk'])).stdout)) as { keys: unknown[] }).keys;
    expect(keysAfter).toHaveLength(keysBefore.length + 1);
  }, 100000);
});
