import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { HemClient } from './encedo/hem-client';
import { signedEhsmBody } from './support/ehsm-sign';
import { cli, startGateway, type Gateway } from './support/server';

/**
 * KMS_WORKERS=2: two worker processes behind one port (node:cluster hands connections out in
 * turn) behave as one gateway. Every request here goes on a connection of its own, so
 * consecutive requests land on alternate workers: a replay accepted by one is refused by the
 * other, a key deleted through one is gone for the other at once (the cache TTL is set far
 * beyond the test), an Encedo challenge fetched from one logs in through the other, once.
 */
const PASS = 'cluster passphrase';
const b64 = (s: string) => Buffer.from(s).toString('base64');

interface Answer {
  status: number;
  json: any;
}

/** One request on a fresh connection (no keep-alive), so that the primary picks the next worker. */
function fresh(gw: Gateway, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
  const u = new URL(path, gw.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method,
        agent: false,
        headers: { connection: 'close', ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : null;
          } catch {
            json = text;
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

const workersAnswering = async (gw: Gateway, n = 6) => {
  const ids = new Set<number>();
  for (let i = 0; i < n; i++) {
    const r = await fresh(gw, 'GET', '/health/live');
    expect(r.status).toBe(200);
    ids.add(r.json.worker);
  }
  return ids;
};

const childPids = (pid: number) =>
  execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((p) => p > 0);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('one gateway, two worker processes (KMS_WORKERS=2)', () => {
  let gw: Gateway;
  let app: { appid: string; apikey: string };
  let token: string;
  const env = { KMS_WORKERS: '2', KMS_CACHE_TTL_MS: '600000' };

  beforeAll(async () => {
    gw = await startGateway(env);
    expect((await cli(gw.dataDir, ['tenant', 'create', 'acme'])).code).toBe(0);
    app = (await cli(gw.dataDir, ['credential', 'ehsm', 'acme'])).json;
    token = (await cli(gw.dataDir, ['credential', 'jose', 'acme'])).json.token;
    const file = join(gw.dataDir, 'pass.txt');
    writeFileSync(file, PASS);
    expect((await cli(gw.dataDir, ['credential', 'encedo', 'acme', '--passphrase-file', file])).code).toBe(0);
  }, 60000);

  afterAll(async () => {
    await gw?.stop();
    gw?.cleanup();
  });

  it('prints one listening line for both workers, and connections reach both', async () => {
    expect(gw.output().match(/kms-gateway listening on/g)).toHaveLength(1);
    expect(gw.output()).toMatch(/\(2 workers\)/);
    expect((await workersAnswering(gw)).size).toBe(2);
  });

  it('an eHSM request accepted by one worker is a replay for the other', async () => {
    const key = await fresh(
      gw,
      'POST',
      '/ehsm?Action=CreateKey',
      signedEhsmBody(app, { keyspec: 'EH_AES_GCM_256', origin: 'EH_INTERNAL_KEY', keyusage: 'EH_KEYUSAGE_ENCRYPT_DECRYPT' }),
    );
    expect(key.json.code).toBe(200);
    const once = signedEhsmBody(app, { keyid: key.json.result.keyid, plaintext: b64('only once') });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await fresh(gw, 'POST', '/ehsm?Action=Encrypt', once));
    expect(answers.map((a) => a.json.code)).toEqual([200, 400, 400, 400]);
    for (const a of answers.slice(1)) expect(a.json.message).toMatch(/[Rr]eplay|repeated/);
    // Fresh requests keep working on both.
    for (let i = 0; i < 2; i++) {
      const ok = await fresh(gw, 'POST', '/ehsm?Action=Encrypt', signedEhsmBody(app, { keyid: key.json.result.keyid, plaintext: b64('fresh') }));
      expect(ok.json.code).toBe(200);
    }
  });

  it('a key deleted through one worker is refused by the other at once, not after the cache TTL', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const made = await fresh(gw, 'POST', '/v1/crypto/keys', JSON.stringify({ kty: 'oct', alg: 'A256GCM' }), auth);
    expect(made.status).toBe(200);
    const body = JSON.stringify({ kid: made.json.kid, alg: 'dir', enc: 'A256GCM', data: Buffer.from('x').toString('base64url') });
    // Both workers have the key cached.
    for (let i = 0; i < 4; i++) expect((await fresh(gw, 'POST', '/v1/crypto/encrypt', body, auth)).status).toBe(200);
    expect((await fresh(gw, 'DELETE', `/v1/crypto/keys/${made.json.kid}`, undefined, auth)).status).toBeLessThan(300);
    for (let i = 0; i < 4; i++) expect((await fresh(gw, 'POST', '/v1/crypto/encrypt', body, auth)).status).toBe(404);
  });

  it('an Encedo challenge fetched from one worker logs in through the other, once', async () => {
    const hem = new HemClient(gw.url, PASS, { Connection: 'close' });
    // ejwt() fetches the challenge on one connection; the login goes on the next, to the other worker.
    const ejwt = await hem.ejwt('keymgmt:list');
    const first = await hem.call('POST', '/api/auth/token', { auth: ejwt });
    expect(first.status).toBe(200);
    expect(typeof first.body.token).toBe('string');
    // The same eJWT again, on the next worker(s): the challenge was consumed.
    for (let i = 0; i < 2; i++) expect((await hem.call('POST', '/api/auth/token', { auth: ejwt })).status).not.toBe(200);
    // Tokens issued by one worker are accepted by the other.
    for (let i = 0; i < 2; i++) expect((await hem.call('GET', '/api/keymgmt/list', undefined, first.body.token)).status).toBe(200);
  }, 20000);

  it('a worker that dies is replaced, and the gateway keeps answering', async () => {
    const [victim] = childPids(gw.proc.pid!);
    expect(victim).toBeGreaterThan(0);
    process.kill(victim, 'SIGKILL');
    const deadline = Date.now() + 15000;
    let ids = new Set<number>();
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      if (childPids(gw.proc.pid!).length < 2) continue;
      ids = await workersAnswering(gw);
      if (ids.size === 2) break;
    }
    expect(ids.size).toBe(2);
    expect(Math.max(...ids)).toBeGreaterThan(2);
  }, 30000);

  it('SIGTERM to the primary stops the workers too', async () => {
    const pids = childPids(gw.proc.pid!);
    expect(pids).toHaveLength(2);
    await gw.stop();
    expect(gw.proc.exitCode).toBe(0);
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });
});
