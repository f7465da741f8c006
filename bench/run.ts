import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { AuditReader, openDataSource } from '@kms/core';
import type { DataSource } from 'typeorm';
import { Hem, ehsm, jose, ready } from './lib/clients';
import { DIST, cpuSeconds, pssMb, rssMb, runJson, sleep, startEcho, startGateway, type Server } from './lib/procs';
import type { RawOp } from './lib/raw-crypto';
import type { SeedResult } from './lib/seed';
import type { LoadItem, LoadResult, LoadSpec } from './lib/wire';

/**
 * `npm run bench [-- --quick] [--connections N] [--duration S] [--warmup S] [--keys N]
 *  [--only id,id] [--no-hsm] [--workers N|auto] [--profile DIR] [--verbose]`
 *
 * Starts the built gateway (production mode, logs at warn, fresh data dir, loopback port 0) and,
 * in the same run, the limits each scenario is compared with: a bare Fastify echo (HTTP), a
 * single-thread node:crypto loop (crypto), a pkcs11js loop on the same SoftHSM2 token (HSM).
 * Load comes from autocannon in a separate process. Every measured request is answered; the audit
 * rows written during a scenario must equal the requests answered, or the bench exits non-zero.
 * Speed never fails the run: targets are reported as met or missed.
 */
const ROOT = resolve(DIST, '..');
const ARGS = process.argv.slice(2);
const flag = (name: string) => ARGS.includes(`--${name}`);
const option = (name: string) => {
  const i = ARGS.indexOf(`--${name}`);
  return i >= 0 ? ARGS[i + 1] : undefined;
};

const QUICK = flag('quick');
const CONNECTIONS = Number(option('connections') ?? 32);
const WARM_S = Number(option('warmup') ?? (QUICK ? 1 : 3));
const MEASURE_S = Number(option('duration') ?? (QUICK ? 2 : 10));
const RAW_S = QUICK ? 1 : 4;
const BIG_STORE = Number(option('keys') ?? 100_000);
const HOT_KEYS = 100;
const ONLY = option('only')?.split(',');
const PROFILE_DIR = option('profile');
/** KMS_WORKERS of the gateway under test: one process per core by default, as deployed for speed. */
const WORKERS = option('workers') ?? 'auto';

type Limit = { kind: 'http' } | { kind: 'crypto'; op: RawOp } | { kind: 'pkcs11' };

interface Scenario {
  id: string;
  title: string;
  limit: Limit;
  /** Minimum ratio to the limit, when the issue sets one. */
  target?: number;
  /** Audit rows one request writes. */
  auditPerRequest: number;
  items: LoadItem[];
  checkEhsmBody?: boolean;
}

interface Row {
  id: string;
  title: string;
  rps: number | null;
  p50: number | null;
  p99: number | null;
  limitKind: string;
  limitRps: number | null;
  ratio: number | null;
  target: string;
  pass: boolean | null;
  answered?: number;
  auditRows?: number;
  auditExpected?: number;
  auditOk?: boolean;
  failures?: string[];
  note?: string;
  /** Cores the gateway (all its processes) and the load generator used during the measured run. */
  cores?: { gateway: number; load: number };
}

const rows: Row[] = [];
let failed = false;

function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

async function load(spec: Omit<LoadSpec, 'connections'> & { connections?: number }): Promise<LoadResult> {
  return runJson<LoadResult>('load.js', [], { stdin: JSON.stringify({ connections: CONNECTIONS, ...spec }) });
}

/** Waits until the audit table stops growing (abandoned warm-up requests finishing). */
async function settledCount(reader: AuditReader): Promise<number> {
  let last = await reader.count();
  for (;;) {
    await sleep(200);
    const now = await reader.count();
    if (now === last) return now;
    last = now;
  }
}

/** Warm-up for a while, then exactly `rate x MEASURE_S` requests, all answered. */
async function measure(url: string, items: LoadItem[], opts: { checkEhsmBody?: boolean; reader?: AuditReader; rate?: number; pid?: number } = {}) {
  const warm = await load({ url, items, durationS: WARM_S, checkEhsmBody: opts.checkEhsmBody, rate: opts.rate });
  const before = opts.reader ? await settledCount(opts.reader) : 0;
  const perSecond = opts.rate ?? Math.max(warm.rps, 1);
  const amount = Math.max(CONNECTIONS * 4, Math.round(perSecond * MEASURE_S));
  const cpu0 = opts.pid ? cpuSeconds(opts.pid) : 0;
  const res = await load({ url, items, amount, checkEhsmBody: opts.checkEhsmBody, rate: opts.rate });
  const serverCores = opts.pid ? (cpuSeconds(opts.pid) - cpu0) / res.seconds : NaN;
  const after = opts.reader ? await opts.reader.count() : 0;
  return { res, auditRows: after - before, cores: { gateway: serverCores, load: res.loadCores } };
}

async function httpLimit(echo: Server, items: LoadItem[]): Promise<number> {
  return (await measure(echo.url, items)).res.rps;
}

async function cryptoLimit(op: RawOp): Promise<number> {
  return (await runJson<{ rate: number }>('raw-crypto.js', [op, String(RAW_S)])).rate;
}

interface Hsm {
  module: string;
  label: string;
  pin: string;
  conf: string;
  dir: string;
}

/** Threads the gateway's PKCS#11 calls run on: libuv's pool (bounded by the session pool) in each worker. */
const WORKER_COUNT = WORKERS === 'auto' ? availableParallelism() : Number(WORKERS);
const HSM_THREADS = Math.min(Number(process.env.UV_THREADPOOL_SIZE ?? 4), 8) * WORKER_COUNT;

async function pkcs11Limit(hsm: Hsm): Promise<number> {
  const r = await runJson<{ rate: number }>('raw-pkcs11.js', [], {
    env: { SOFTHSM2_CONF: hsm.conf, BENCH_P11: JSON.stringify({ module: hsm.module, label: hsm.label, pin: hsm.pin, threads: HSM_THREADS, seconds: RAW_S }) },
  });
  return r.rate;
}

function softHsm(): Hsm | null {
  const module = ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so', '/usr/local/lib/softhsm/libsofthsm2.so'].find((m) => existsSync(m));
  try {
    execFileSync('softhsm2-util', ['--version'], { stdio: 'pipe' });
  } catch {
    return null;
  }
  if (!module) return null;
  const dir = mkdtempSync(join(tmpdir(), 'kms-bench-softhsm-'));
  mkdirSync(join(dir, 'tokens'));
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const label = 'kms-bench';
  const pin = '1234-bench';
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', '5678-bench'], { stdio: 'pipe', env: { ...process.env, SOFTHSM2_CONF: conf } });
  return { module, label, pin, conf, dir };
}

async function runScenario(gw: Server, reader: AuditReader, echo: Server, hsm: Hsm | null, sc: Scenario): Promise<Row> {
  log(`${sc.id}: limit (${sc.limit.kind})`);
  let limitRps: number;
  // A profile should hold the gateway's own work only: no limits measured meanwhile.
  if (PROFILE_DIR) limitRps = NaN;
  else if (sc.limit.kind === 'http') limitRps = await httpLimit(echo, sc.items);
  else if (sc.limit.kind === 'crypto') limitRps = await cryptoLimit(sc.limit.op);
  else limitRps = await pkcs11Limit(hsm!);
  log(`${sc.id}: gateway`);
  const { res, auditRows, cores } = await measure(gw.url, sc.items, { reader, checkEhsmBody: sc.checkEhsmBody, pid: gw.pid });
  const expected = res.answered * sc.auditPerRequest;
  const failures: string[] = [];
  if (auditRows !== expected) failures.push(`audit rows ${auditRows} != ${expected} expected for ${res.answered} answered requests`);
  if (res.non2xx) failures.push(`${res.non2xx} non-2xx answers ${JSON.stringify(res.statusCodes)}`);
  if (res.bodyErrors) failures.push(`${res.bodyErrors} eHSM answers with an error code`);
  if (res.errors) failures.push(`${res.errors} transport errors (${res.timeouts} timeouts)`);
  if (failures.length) failed = true;
  const ratio = res.rps / limitRps;
  const limitKind = sc.limit.kind === 'http' ? 'Fastify echo' : sc.limit.kind === 'crypto' ? `node:crypto ${sc.limit.op} x1` : `pkcs11js x${HSM_THREADS}`;
  const row: Row = {
    id: sc.id,
    title: sc.title,
    rps: res.rps,
    p50: res.p50,
    p99: res.p99,
    limitKind,
    limitRps,
    ratio,
    target: sc.target === undefined ? '-' : sc.limit.kind === 'crypto' ? `>= ${sc.target}x` : `>= ${Math.round(sc.target * 100)}%`,
    pass: sc.target === undefined ? null : ratio >= sc.target,
    answered: res.answered,
    auditRows,
    auditExpected: expected,
    auditOk: auditRows === expected,
    failures,
    cores,
  };
  log(`${sc.id}: ${res.rps.toFixed(0)} req/s (limit ${limitRps.toFixed(0)}), p99 ${res.p99} ms, cores gateway ${cores.gateway.toFixed(2)} load ${cores.load.toFixed(2)}, audit ${auditRows}/${expected}${failures.length ? ` FAIL: ${failures.join('; ')}` : ''}`);
  return row;
}

const b64u = (b: Buffer) => b.toString('base64url');
const b64 = (b: Buffer) => b.toString('base64');
const payload64 = () => randomBytes(64);
const many = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

/** The gateway's own view of its heap (prom-client's process metrics on /metrics). */
async function heapMb(url: string): Promise<{ used: number; total: number } | null> {
  try {
    const text = await (await fetch(new URL('/metrics', url))).text();
    const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
    return { used: metric('kms_nodejs_heap_size_used_bytes'), total: metric('kms_nodejs_heap_size_total_bytes') };
  } catch {
    return null;
  }
}

async function auditReader(dataDir: string): Promise<{ ds: DataSource; reader: AuditReader }> {
  const ds = await openDataSource(`sqlite:${join(dataDir, 'kms.sqlite')}`);
  return { ds, reader: new AuditReader(ds) };
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadBefore = loadavg();
  log(`${QUICK ? 'quick' : 'full'} run: ${CONNECTIONS} connections, warm-up ${WARM_S} s, ${MEASURE_S} s per scenario; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
  const work = mkdtempSync(join(tmpdir(), 'kms-bench-'));
  const dataDir = join(work, 'data');
  const hsm = flag('no-hsm') ? null : softHsm();
  if (!hsm) log('softhsm2-util not found: the SoftHSM2 scenario is skipped');
  const servers: Server[] = [];
  let ds: DataSource | null = null;
  const extra: Record<string, unknown> = {};
  try {
    // ---- the store: tenants, credentials and the 100 keys of the symmetric scenarios ----------
    const seed = await runJson<SeedResult>('seed.js', [], { env: { KMS_DATA_DIR: dataDir, KMS_LOG_LEVEL: 'warn', BENCH_SEED: JSON.stringify({ tenants: ['bench', 'hsm'], aesKeys: HOT_KEYS, hot: HOT_KEYS }) } });
    const t = seed.tenants.bench;
    const hot = seed.hotKeys;
    const p11Env: Record<string, string> = hsm
      ? { SOFTHSM2_CONF: hsm.conf, KMS_PKCS11_MODULE: hsm.module, KMS_PKCS11_TOKEN_LABEL: hsm.label, KMS_PKCS11_PIN: hsm.pin, KMS_ROUTING_RULES: JSON.stringify([{ tenant: seed.tenants.hsm.id, backend: 'pkcs11' }]) }
      : {};
    const profArgs = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${resolve(PROFILE_DIR)}`] : [];
    const gw = await startGateway({ KMS_DATA_DIR: dataDir, KMS_WORKERS: WORKERS, ...p11Env }, profArgs);
    servers.push(gw);
    const echo = await startEcho();
    servers.push(echo);
    ({ ds } = await auditReader(dataDir));
    const reader = new AuditReader(ds);

    // ---- keys and tokens, made through the dialects as a client would -------------------------
    const auth = { authorization: `Bearer ${t.joseToken}` };
    const josePost = (path: string, bodies: string[], weight = 1): LoadItem => ({ kind: 'static', weight, method: 'POST', path, headers: auth, bodies });
    const es256 = (await jose(gw.url, t.joseToken, '/v1/crypto/keys', { kty: 'EC', crv: 'P-256', alg: 'ES256' })).kid as string;
    const rs256 = (await jose(gw.url, t.joseToken, '/v1/crypto/keys', { kty: 'RSA', alg: 'RS256', bits: 2048 })).kid as string;
    const hs256 = (await jose(gw.url, t.joseToken, '/v1/crypto/keys', { kty: 'oct', alg: 'HS256' })).kid as string;
    const encBodies = hot.map((kid) => JSON.stringify({ kid, alg: 'dir', enc: 'A256GCM', data: b64u(payload64()) }));
    const jwes: string[] = [];
    for (const kid of hot) jwes.push(JSON.stringify(await jose(gw.url, t.joseToken, '/v1/crypto/encrypt', { kid, alg: 'dir', enc: 'A256GCM', data: b64u(payload64()) })));
    const signBodies = (kid: string, alg: string) => many(50, () => JSON.stringify({ kid, alg, data: b64u(payload64()) }));

    const app = t.ehsm;
    const ehsmAes = (await ehsm(gw.url, app, 'CreateKey', { keyspec: 'EH_AES_GCM_256', origin: 'EH_INTERNAL_KEY', keyusage: 'EH_KEYUSAGE_ENCRYPT_DECRYPT' })).keyid as string;
    const ehsmEc = (await ehsm(gw.url, app, 'CreateKey', { keyspec: 'EH_EC_P256', origin: 'EH_INTERNAL_KEY', keyusage: 'EH_KEYUSAGE_SIGN_VERIFY' })).keyid as string;
    const ehsmItem = (action: string, payloads: Record<string, unknown>[]): LoadItem => ({ kind: 'ehsm', weight: 1, action, appid: app.appid, apikey: app.apikey, payloads });

    const hem = new Hem(gw.url, t.encedoUser);
    const gen = await hem.login('keymgmt:gen');
    const hmacKid = (await hem.post(gen, '/api/keymgmt/create', { label: 'bench-hmac', type: 'SHA2-256' })).kid as string;
    const ecdhKid = (await hem.post(gen, '/api/keymgmt/create', { label: 'bench-x25519', type: 'CURVE25519' })).kid as string;
    const hmacToken = await hem.login(`keymgmt:use:${hmacKid}`);
    const ecdhToken = await hem.login(`keymgmt:use:${ecdhKid}`);
    const peers = many(50, () => generateKeyPairSync('x25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(12));

    const scenarios: Scenario[] = [
      { id: 'jose-encrypt', title: 'JOSE dir/A256GCM encrypt 64 B (100 keys)', limit: { kind: 'http' }, target: 0.75, auditPerRequest: 1, items: [josePost('/v1/crypto/encrypt', encBodies)] },
      { id: 'jose-decrypt', title: 'JOSE dir/A256GCM decrypt 64 B', limit: { kind: 'http' }, auditPerRequest: 1, items: [josePost('/v1/crypto/decrypt', jwes)] },
      { id: 'jose-es256', title: 'JOSE ES256 sign (soft)', limit: { kind: 'crypto', op: 'es256-sign' }, target: 1.7, auditPerRequest: 1, items: [josePost('/v1/crypto/sign', signBodies(es256, 'ES256'))] },
      { id: 'jose-rs256', title: 'JOSE RS256 sign (soft, RSA-2048)', limit: { kind: 'crypto', op: 'rs256-sign' }, target: 1.7, auditPerRequest: 1, items: [josePost('/v1/crypto/sign', signBodies(rs256, 'RS256'))] },
      { id: 'jose-hs256', title: 'JOSE HS256 MAC', limit: { kind: 'http' }, auditPerRequest: 1, items: [josePost('/v1/crypto/mac', signBodies(hs256, 'HS256'))] },
      {
        id: 'ehsm-encrypt',
        title: 'eHSM Encrypt 64 B (signed request)',
        limit: { kind: 'http' },
        target: 0.6,
        auditPerRequest: 1,
        checkEhsmBody: true,
        items: [ehsmItem('Encrypt', many(50, () => ({ keyid: ehsmAes, plaintext: b64(payload64()) })))],
      },
      { id: 'ehsm-gdk', title: 'eHSM GenerateDataKey 32 B', limit: { kind: 'http' }, auditPerRequest: 1, checkEhsmBody: true, items: [ehsmItem('GenerateDataKey', [{ keyid: ehsmAes, keylen: 32 }])] },
      {
        id: 'ehsm-sign',
        title: 'eHSM Sign EC P-256',
        limit: { kind: 'crypto', op: 'ecdsa-p256-der-sign' },
        auditPerRequest: 1,
        checkEhsmBody: true,
        items: [ehsmItem('Sign', many(50, () => ({ keyid: ehsmEc, message: b64(payload64()), message_type: 'EH_RAW', digest_mode: 'EH_SHA_256', padding_mode: 'EH_PAD_NONE' })))],
      },
      {
        id: 'encedo-hmac',
        title: 'Encedo HMAC SHA2-256 64 B',
        limit: { kind: 'http' },
        auditPerRequest: 1,
        items: [{ kind: 'static', weight: 1, method: 'POST', path: '/api/crypto/hmac/hash', headers: { authorization: `Bearer ${hmacToken}` }, bodies: many(50, () => JSON.stringify({ kid: hmacKid, msg: b64(payload64()) })) }],
      },
      {
        id: 'encedo-ecdh',
        title: 'Encedo ECDH X25519',
        limit: { kind: 'crypto', op: 'x25519-ecdh' },
        auditPerRequest: 1,
        items: [{ kind: 'static', weight: 1, method: 'POST', path: '/api/crypto/ecdh', headers: { authorization: `Bearer ${ecdhToken}` }, bodies: peers.map((p) => JSON.stringify({ kid: ecdhKid, pubkey: b64(p) })) }],
      },
    ];
    let hsmScenario: Scenario | null = null;
    if (hsm) {
      const ht = seed.tenants.hsm.joseToken;
      const hsmKey = await jose(gw.url, ht, '/v1/crypto/keys', { kty: 'EC', crv: 'P-256', alg: 'ES256' });
      hsmScenario = {
        id: 'hsm-es256',
        title: 'JOSE ES256 sign, key on SoftHSM2',
        limit: { kind: 'pkcs11' },
        target: 0.8,
        auditPerRequest: 1,
        items: [{ kind: 'static', weight: 1, method: 'POST', path: '/v1/crypto/sign', headers: { authorization: `Bearer ${ht}` }, bodies: signBodies(hsmKey.kid as string, 'ES256') }],
      };
      scenarios.push(hsmScenario);
    }
    const mixed: Scenario = {
      id: 'mixed',
      title: 'Mixed JOSE: 70% encrypt, 20% ES256 sign, 10% key creation',
      limit: { kind: 'http' },
      auditPerRequest: 1,
      items: [
        josePost('/v1/crypto/encrypt', encBodies, 70),
        josePost('/v1/crypto/sign', signBodies(es256, 'ES256'), 20),
        josePost('/v1/crypto/keys', [JSON.stringify({ kty: 'oct', alg: 'A256GCM' })], 5),
        josePost('/v1/crypto/keys', [JSON.stringify({ kty: 'EC', crv: 'P-256', alg: 'ES256' })], 5),
      ],
    };
    scenarios.push(mixed);

    const selected = (id: string) => !ONLY || ONLY.includes(id);
    // A first, discarded round on both servers: the first scenario measured right after start-up
    // came out well below the same scenario run later (JIT, caches, CPU frequency).
    log('warming up both servers');
    for (const url of [echo.url, gw.url]) await load({ url, items: scenarios[0].items, durationS: WARM_S * 2 });
    for (const sc of scenarios) {
      if (!selected(sc.id)) continue;
      const row = await runScenario(gw, reader, echo, hsm, sc);
      rows.push(row);
      if (sc === hsmScenario) {
        // Latency at half of the maximum the gateway just reached.
        const rate = Math.max(1, Math.round(row.rps! / 2));
        log(`hsm-es256: p99 at ${rate} req/s`);
        const { res, auditRows, cores } = await measure(gw.url, sc.items, { reader, rate, pid: gw.pid });
        const ok = auditRows === res.answered && !res.non2xx && !res.errors;
        if (!ok) failed = true;
        rows.push({
          id: 'hsm-es256-half',
          title: `  same at half load (${rate} req/s): p99`,
          rps: res.rps,
          p50: res.p50,
          p99: res.p99,
          limitKind: '-',
          limitRps: null,
          ratio: null,
          target: 'p99 <= 5 ms',
          pass: res.p99 <= 5,
          answered: res.answered,
          auditRows,
          auditExpected: res.answered,
          auditOk: auditRows === res.answered,
          failures: ok ? [] : [`audit ${auditRows}/${res.answered}, non-2xx ${res.non2xx}, errors ${res.errors}`],
          cores,
        });
      }
      if (sc === mixed) {
        const rss = rssMb(gw.pid);
        const pss = pssMb(gw.pid);
        const heap = await heapMb(gw.url);
        extra.rssAfterMixedMb = rss;
        extra.pssAfterMixedMb = pss;
        extra.heapAfterMixedMb = heap;
        // Several processes share the node binary and libraries: PSS counts those pages once.
        const mem = pss ?? rss;
        const note = mem === null ? 'n/a' : `${mem.toFixed(0)} MB ${pss === null ? 'RSS' : `PSS (RSS summed over the processes ${rss?.toFixed(0) ?? '?'} MB)`}; V8 heap used ${heap?.used.toFixed(0) ?? '?'} MB of ${heap?.total.toFixed(0) ?? '?'} MB in one worker`;
        rows.push({ id: 'rss', title: '  gateway memory after the mixed run (all processes)', rps: null, p50: null, p99: null, limitKind: '-', limitRps: null, ratio: null, target: '<= 300 MB', pass: mem === null ? null : mem <= 300, note });
      }
    }
    await ds.destroy();
    ds = null;
    await gw.stop();
    if (flag('verbose')) process.stderr.write(`---- gateway output ----\n${gw.output()}\n------------------------\n`);
    await echo.stop();
    servers.length = 0;

    // ---- 100,000 keys in the store: start-up, then the first scenario again -------------------
    if (selected('big-store')) {
      const bigDir = join(work, 'big');
      log(`seeding ${BIG_STORE} keys`);
      const big = await runJson<SeedResult>('seed.js', [], { env: { KMS_DATA_DIR: bigDir, KMS_LOG_LEVEL: 'warn', BENCH_SEED: JSON.stringify({ tenants: ['bench'], aesKeys: BIG_STORE, hot: HOT_KEYS }) } });
      extra.seedSeconds = big.seconds;
      log(`seeded in ${big.seconds.toFixed(1)} s; starting the gateway on it`);
      const t0 = performance.now();
      const bgw = await startGateway({ KMS_DATA_DIR: bigDir, KMS_WORKERS: WORKERS }, profArgs);
      servers.push(bgw);
      while (!(await ready(bgw.url))) await sleep(10);
      const readyMs = performance.now() - t0;
      extra.startup = { listeningMs: bgw.listeningMs, readyMs, keys: BIG_STORE };
      rows.push({ id: 'startup', title: `Start-up with ${BIG_STORE.toLocaleString('en')} keys (to /health/ready 200)`, rps: null, p50: null, p99: null, limitKind: '-', limitRps: null, ratio: null, target: '<= 3 s', pass: readyMs <= 3000, note: `${(readyMs / 1000).toFixed(2)} s` });
      const bigEcho = await startEcho();
      servers.push(bigEcho);
      const bt0 = big.tenants.bench;
      const warmItems: LoadItem[] = [{ kind: 'static', weight: 1, method: 'POST', path: '/v1/crypto/encrypt', headers: { authorization: `Bearer ${bt0.joseToken}` }, bodies: big.hotKeys.map((kid) => JSON.stringify({ kid, alg: 'dir', enc: 'A256GCM', data: b64u(payload64()) })) }];
      for (const url of [bigEcho.url, bgw.url]) await load({ url, items: warmItems, durationS: WARM_S * 2 });
      const bigAudit = await auditReader(bigDir);
      ds = bigAudit.ds;
      const row = await runScenario(bgw, bigAudit.reader, bigEcho, null, {
        id: 'jose-encrypt-100k',
        title: `JOSE encrypt, ${BIG_STORE.toLocaleString('en')} keys in the store`,
        limit: { kind: 'http' },
        auditPerRequest: 1,
        items: warmItems,
      });
      const small = rows.find((r) => r.id === 'jose-encrypt');
      if (small?.ratio && row.ratio) {
        // Compared as ratios to the echo measured beside each, so a noisy minute does not count.
        const vsSmall = row.ratio / small.ratio;
        row.target = '>= 90% of 100 keys';
        row.pass = vsSmall >= 0.9;
        row.note = `${(vsSmall * 100).toFixed(0)}% of the 100-key run (ratio to echo ${row.ratio.toFixed(2)} vs ${small.ratio.toFixed(2)}; raw req/s ${row.rps!.toFixed(0)} vs ${small.rps!.toFixed(0)})`;
      }
      rows.push(row);
    }
  } finally {
    if (ds) await ds.destroy().catch(() => {});
    for (const s of servers) await s.stop().catch(() => {});
    rmSync(work, { recursive: true, force: true });
    if (hsm) rmSync(hsm.dir, { recursive: true, force: true });
  }

  const loadAfter = loadavg();
  const table = formatTable(rows);
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}, Node ${process.version}`;
  process.stdout.write(`\n${machine}; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}\n`);
  process.stdout.write(`gateway KMS_WORKERS=${WORKERS}; ${CONNECTIONS} connections, ${MEASURE_S} s per scenario after ${WARM_S} s warm-up${QUICK ? ' (quick)' : ''}\n\n${table}\n`);
  const result = {
    date: startedAt.toISOString(),
    quick: QUICK,
    machine,
    loadAverage: { before: loadBefore, after: loadAfter },
    settings: { workers: WORKERS, connections: CONNECTIONS, warmupS: WARM_S, measureS: MEASURE_S, rawS: RAW_S, hsmThreads: HSM_THREADS, bigStore: BIG_STORE, hotKeys: HOT_KEYS },
    rows,
    extra,
  };
  const outDir = QUICK ? join(tmpdir(), 'kms-bench-results') : join(ROOT, 'bench/results');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${startedAt.toISOString().slice(0, 10)}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\nresults: ${file}\n`);
  const auditBad = rows.filter((r) => r.failures?.length);
  if (failed || auditBad.length) {
    process.stdout.write(`\nFAILED: ${auditBad.map((r) => `${r.id}: ${r.failures!.join('; ')}`).join('\n        ')}\n`);
    process.exit(1);
  }
}

function formatTable(rs: Row[]): string {
  const fmt = (n: number | null | undefined, d = 0) => (n === null || n === undefined ? '' : n.toFixed(d));
  const head = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'limit', 'limit req/s', 'ratio', 'target', 'result', 'cores gw+load', 'audit'];
  const body = rs.map((r) => [
    r.title,
    r.note && r.rps === null ? r.note : fmt(r.rps),
    fmt(r.p50),
    fmt(r.p99),
    r.limitKind,
    fmt(r.limitRps),
    r.ratio === null ? '' : r.limitKind.startsWith('node:crypto') ? `${r.ratio.toFixed(2)}x` : `${(r.ratio * 100).toFixed(0)}%`,
    r.target,
    r.pass === null ? '' : r.pass ? 'met' : 'MISSED',
    r.cores ? `${r.cores.gateway.toFixed(2)}+${r.cores.load.toFixed(2)}` : '',
    r.auditRows === undefined ? '' : r.auditOk ? `${r.auditRows} = ${r.auditExpected}` : `${r.auditRows} != ${r.auditExpected}`,
  ]);
  const lines = [head, head.map(() => '---'), ...body].map((c) => `| ${c.join(' | ')} |`);
  const notes = rs.filter((r) => r.note && r.rps !== null).map((r) => `- ${r.id}: ${r.note}`);
  return [...lines, ...(notes.length ? ['', ...notes] : [])].join('\n');
}

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
