import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { AuditReader, TRIAL_LIMIT, openDataSource } from '@kms/core';
import type { DataSource } from 'typeorm';
import { Hem, ehsm, jose, ready } from './lib/clients';
import { fastifyVersion } from './lib/echo-server';
import type { JoseKeyConfig, MinimalConfig } from './lib/minimal/config';
import { kmipEncryptRow } from './lib/kmip-row';
import { DIST, cpuSeconds, pssMb, rssMb, runInteractive, runJson, sleep, startEcho, startGateway, startMinimal, type Server } from './lib/procs';
import type { RawOp } from './lib/raw-crypto';
import type { SeedResult } from './lib/seed';
import { signAwsRequest } from './lib/sigv4';
import { ehsmBody, type LoadItem, type LoadResult, type LoadSpec } from './lib/wire';

/**
 * `npm run bench [-- --quick] [--connections N] [--duration S] [--warmup S] [--keys N]
 *  [--only id,id] [--no-hsm] [--workers N|auto] [--profile DIR] [--verbose]`
 *
 * Starts the built gateway (production mode, logs at warn, fresh data dir, loopback port 0,
 * KMS_WORKERS=1 unless told) and, in the same run, the limits each scenario is compared with,
 * each measured just before it: a bare Fastify echo on the gateway's own Fastify and one on the
 * newest Fastify (HTTP), a single-thread node:crypto loop (crypto) or a pkcs11js loop on the same
 * SoftHSM2 token (HSM), and the minimal handler: the same requests answered by hand on the newest
 * Fastify with the same crypto and authentication and nothing else (bench/lib/minimal). The
 * targets are ratios to the minimal handler. Load comes from autocannon in a separate process.
 * Every measured request is answered; the audit rows written during a scenario must equal the
 * requests answered, and every answer of the gateway and of the minimal handler must be a success
 * (and the same shape), or the bench exits non-zero. Speed never fails the run: targets are
 * reported as met or missed, and by how much.
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
/** Versions of the rotated key of the version trial scenarios (the issue's 10; ids `…-v1of10`, `…-v10of10`). */
const VERSIONS = 10;
const ONLY = option('only')?.split(',');
const PROFILE_DIR = option('profile');
/**
 * KMS_WORKERS of the gateway under test: one process, where the targets are set. One extra row
 * runs two scenarios with `auto` (one worker per core) to show whether workers help here.
 */
const WORKERS = option('workers') ?? '1';
/** The Fastify the gateway runs on (and the first echo), and the newest one (second echo, minimal handlers). */
const FASTIFY = { pinned: fastifyVersion('pinned'), latest: fastifyVersion('latest') };

type Limit = { kind: 'http' } | { kind: 'crypto'; op: RawOp } | { kind: 'pkcs11' };

interface Scenario {
  id: string;
  title: string;
  limit: Limit;
  /** Minimum ratio to the minimal handler, when the issue sets one (measured at KMS_WORKERS=1). */
  target?: number;
  /** Also measure p99 at half the gateway's maximum, gateway and minimal handler at the same rate. */
  halfLoad?: boolean;
  /** Audit rows one request writes. */
  auditPerRequest: number;
  items: LoadItem[];
  checkEhsmBody?: boolean;
  /** Also reported as a share of another scenario of the run. */
  versus?: Versus;
  /** `--quick` measures the gateway only (no limits, no minimal handler): rows read against another row. */
  quickGatewayOnly?: boolean;
  /**
   * Builds the items afresh just before the scenario runs (replacing `items`): AWS requests are
   * pre-signed with the current X-Amz-Date, which the gateway accepts for 5 minutes.
   */
  fresh?: () => LoadItem[];
}

interface Versus {
  /** The scenario compared with, measured earlier in the run. */
  id: string;
  /** Minimum share of it, with what it is in words (the target column: `>= 90% of <of>`). */
  target?: { share: number; of: string };
}

interface Row {
  id: string;
  title: string;
  rps: number | null;
  p50: number | null;
  p99: number | null;
  /** The first limit: Fastify echo (the gateway's Fastify), node:crypto x1 or pkcs11js xN. */
  limitKind: string;
  limitRps: number | null;
  ratio: number | null;
  /** The echo on the newest Fastify, beside the first (HTTP scenarios). */
  echoLatestRps?: number | null;
  /** The second limit: the minimal handler on the newest Fastify, same requests and load. */
  minimalRps?: number | null;
  minimalP50?: number | null;
  minimalP99?: number | null;
  minimalRatio?: number | null;
  minimalCores?: number;
  /**
   * This row as a share of another (Scenario.versus): by the ratios to the echo measured beside
   * each, or by req/s; and by the gateway's CPU time per request (the other's over this one's).
   */
  vsRow?: { id: string; share: number; by: 'echo ratio' | 'req/s'; cpuShare: number };
  target: string;
  pass: boolean | null;
  /** How far from the target, either way (percentage points, or ms for p99 targets). */
  margin?: string;
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
/** Quick mode measures the echo on the latest Fastify once (the first HTTP scenario), to stay short. */
let latestEchoMeasured = false;

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

/**
 * Warm-up for a while, then exactly `rate x MEASURE_S` requests, all answered: one load process
 * for both, which waits between them while the audit rows of the warm-up settle.
 */
async function measure(url: string, items: LoadItem[], opts: { checkEhsmBody?: boolean; reader?: AuditReader; rate?: number; pid?: number } = {}) {
  let before = 0;
  let cpu0 = 0;
  const spec: LoadSpec = {
    url,
    items,
    connections: CONNECTIONS,
    warmS: WARM_S,
    measureS: MEASURE_S,
    minAmount: CONNECTIONS * 4,
    checkEhsmBody: opts.checkEhsmBody,
    rate: opts.rate,
  };
  const res = await runInteractive<LoadResult>('load.js', JSON.stringify(spec), async (line) => {
    if (!line.startsWith('{"warm"')) return false;
    before = opts.reader ? await settledCount(opts.reader) : 0;
    cpu0 = opts.pid ? cpuSeconds(opts.pid) : 0;
    return true;
  });
  const serverCores = opts.pid ? (cpuSeconds(opts.pid) - cpu0) / res.seconds : NaN;
  const after = opts.reader ? await opts.reader.count() : 0;
  return { res, auditRows: after - before, cores: { gateway: serverCores, load: res.loadCores } };
}

/** What went wrong in a measured run: any answer that is not a success. */
function answerFailures(res: LoadResult, who = ''): string[] {
  const out: string[] = [];
  if (res.non2xx) out.push(`${who}${res.non2xx} non-2xx answers ${JSON.stringify(res.statusCodes)}`);
  if (res.bodyErrors) out.push(`${who}${res.bodyErrors} eHSM answers with an error code`);
  if (res.errors) out.push(`${who}${res.errors} transport errors (${res.timeouts} timeouts)`);
  return out;
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
/** The gateway's PKCS#11 session pool (KMS_PKCS11_POOL_SIZE, default 8): the minimal handler opens as many. */
const HSM_SESSIONS = 8;

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
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', '5678-bench'], {
    stdio: 'pipe',
    env: { ...process.env, SOFTHSM2_CONF: conf },
  });
  return { module, label, pin, conf, dir };
}

/** The servers a scenario is measured against. */
interface Servers {
  gw: Server;
  reader: AuditReader;
  /** Fastify echo on the gateway's Fastify, and on the newest. */
  echo: Server;
  echoLatest: Server;
  minimal: Server;
}

/**
 * The shape of a JSON answer: members (sorted) and value types, with the values of the members
 * that must be equal between the gateway and the minimal handler written out.
 */
const FIXED_MEMBERS = new Set(['code', 'message', 'protected', 'encrypted_key', 'kty', 'alg', 'crv', 'key_ops']);
function shape(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(shape).join(',')}]`;
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${k}:${FIXED_MEMBERS.has(k) ? JSON.stringify(o[k]) : shape(o[k])}`)
    .join(',')}}`;
}

/** One request of each item to both servers: the same status, Content-Type and answer shape, or what differs. */
async function sameAnswers(a: Server, b: Server, items: LoadItem[]): Promise<string[]> {
  const out: string[] = [];
  const ask = async (url: string, item: LoadItem) => {
    const init =
      item.kind === 'static'
        ? { method: item.method, path: item.path, headers: { ...(item.bodies.length ? { 'content-type': 'application/json' } : {}), ...item.headers }, body: item.bodies[0] }
        : { method: 'POST', path: `/ehsm?Action=${item.action}`, headers: { 'content-type': 'application/json' }, body: ehsmBody(item.appid, item.apikey, item.payloads[0]) };
    const res = await httpAsk(new URL(init.path, url), init);
    let json: unknown = res.text;
    try {
      json = JSON.parse(res.text);
    } catch {
      // not JSON: compared as text
    }
    return `${res.status} ${res.contentType} ${typeof json === 'string' ? JSON.stringify(json) : shape(json)}`;
  };
  for (const item of items) {
    const [x, y] = [await ask(a.url, item), await ask(b.url, item)];
    if (x !== y) out.push(`the minimal handler answers ${item.kind === 'static' ? item.path : item.action} unlike the gateway: gateway ${x}, minimal ${y}`);
  }
  return out;
}

/**
 * One request by node:http, not fetch: fetch sends its own Host header, and the AWS requests are
 * signed for a Host of their own (the same for the gateway and the minimal handler).
 */
function httpAsk(url: URL, init: { method: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; contentType: string | undefined; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method, headers: init.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const pct = (r: number) => `${(r * 100).toFixed(0)}%`;
/** A ratio target's verdict, with the distance in percentage points. */
function ratioVerdict(ratio: number, target: number): { pass: boolean; margin: string } {
  const pts = Math.round((ratio - target) * 100);
  return ratio >= target ? { pass: true, margin: `met (+${pts} pts)` } : { pass: false, margin: `MISSED by ${-pts} pts` };
}

async function runScenario(sv: Servers, hsm: Hsm | null, sc: Scenario): Promise<Row> {
  const failures: string[] = [];
  let limitRps = NaN;
  let echoLatestRps: number | null = null;
  let minimal: LoadResult | null = null;
  let minimalCores = NaN;
  // A profile should hold the gateway's own work only: no limits measured meanwhile.
  if (sc.fresh) sc.items = sc.fresh();
  if (!PROFILE_DIR) failures.push(...(await sameAnswers(sv.gw, sv.minimal, sc.items)));
  if (!PROFILE_DIR && !(QUICK && sc.quickGatewayOnly)) {
    log(`${sc.id}: limit (${sc.limit.kind})`);
    if (sc.limit.kind === 'http') limitRps = (await measure(sv.echo.url, sc.items)).res.rps;
    else if (sc.limit.kind === 'crypto') limitRps = await cryptoLimit(sc.limit.op);
    else limitRps = await pkcs11Limit(hsm!);
    if (sc.limit.kind === 'http' && !(QUICK && latestEchoMeasured)) {
      log(`${sc.id}: echo on the latest Fastify`);
      echoLatestRps = (await measure(sv.echoLatest.url, sc.items)).res.rps;
      latestEchoMeasured = true;
    }
    log(`${sc.id}: minimal handler`);
    const m = await measure(sv.minimal.url, sc.items, { checkEhsmBody: sc.checkEhsmBody, pid: sv.minimal.pid });
    minimal = m.res;
    minimalCores = m.cores.gateway;
    failures.push(...answerFailures(m.res, 'minimal handler: '));
  }
  log(`${sc.id}: gateway`);
  const { res, auditRows, cores } = await measure(sv.gw.url, sc.items, { reader: sv.reader, checkEhsmBody: sc.checkEhsmBody, pid: sv.gw.pid });
  const expected = res.answered * sc.auditPerRequest;
  if (auditRows !== expected) failures.push(`audit rows ${auditRows} != ${expected} expected for ${res.answered} answered requests`);
  failures.push(...answerFailures(res));
  if (failures.length) failed = true;
  const ratio = res.rps / limitRps;
  const minimalRatio = minimal ? res.rps / minimal.rps : null;
  const limitKind = sc.limit.kind === 'http' ? `Fastify ${FASTIFY.pinned} echo` : sc.limit.kind === 'crypto' ? `node:crypto ${sc.limit.op} x1` : `pkcs11js x${HSM_THREADS}`;
  const verdict = sc.target !== undefined && minimalRatio !== null ? ratioVerdict(minimalRatio, sc.target) : null;
  const row: Row = {
    id: sc.id,
    title: sc.title,
    rps: res.rps,
    p50: res.p50,
    p99: res.p99,
    limitKind,
    limitRps,
    ratio,
    echoLatestRps,
    minimalRps: minimal?.rps ?? null,
    minimalP50: minimal?.p50 ?? null,
    minimalP99: minimal?.p99 ?? null,
    minimalRatio,
    minimalCores,
    target: sc.target === undefined ? '-' : `>= ${pct(sc.target)} of minimal`,
    pass: verdict?.pass ?? null,
    margin: verdict?.margin,
    answered: res.answered,
    auditRows,
    auditExpected: expected,
    auditOk: auditRows === expected,
    failures,
    cores,
  };
  if (sc.versus) compareRows(row, sc.versus);
  const vsMinimal = minimal ? `, minimal ${minimal.rps.toFixed(0)} req/s p99 ${minimal.p99} ms (${pct(minimalRatio!)})` : '';
  log(
    `${sc.id}: ${res.rps.toFixed(0)} req/s (limit ${limitRps.toFixed(0)}${echoLatestRps === null ? '' : `, latest echo ${echoLatestRps.toFixed(0)}`}${vsMinimal}), p99 ${res.p99} ms, cores gateway ${cores.gateway.toFixed(2)} load ${cores.load.toFixed(2)}, audit ${auditRows}/${expected}${failures.length ? ` FAIL: ${failures.join('; ')}` : ''}`,
  );
  return row;
}

/**
 * A row as a share of a row measured earlier in the run (sc.versus): by the ratios to the echo
 * measured beside each, so that a noisy minute does not count, or by req/s where no limit was
 * measured (`--profile`, `--quick` for quickGatewayOnly). Sets the target's verdict if it has one.
 */
function compareRows(row: Row, v: Versus): void {
  const base = rows.find((r) => r.id === v.id);
  if (!base?.rps || !row.rps) {
    row.note = `not compared: ${v.id} was not measured in this run`;
    return;
  }
  const byEcho = row.limitKind === base.limitKind && Number.isFinite(row.ratio) && Number.isFinite(base.ratio);
  const share = byEcho ? row.ratio! / base.ratio! : row.rps / base.rps;
  // The gateway's CPU time per request says the same where other processes starved it of CPU
  // (its throughput and the echo's then swing with theirs).
  const cpuUs = (r: Row) => (r.cores ? (r.cores.gateway / r.rps!) * 1e6 : NaN);
  const cpuShare = cpuUs(base) / cpuUs(row);
  row.vsRow = { id: v.id, share, by: byEcho ? 'echo ratio' : 'req/s', cpuShare };
  row.note =
    `${pct(share)} of ${v.id} (${byEcho ? `ratio to echo ${row.ratio!.toFixed(2)} vs ${base.ratio!.toFixed(2)}; ` : ''}req/s ${row.rps.toFixed(0)} vs ${base.rps.toFixed(0)}, ` +
    `p99 ${row.p99} vs ${base.p99} ms; gateway CPU per request ${cpuUs(row).toFixed(0)} vs ${cpuUs(base).toFixed(0)} µs: ${pct(cpuShare)})`;
  if (v.target) {
    const verdict = ratioVerdict(share, v.target.share);
    Object.assign(row, { target: `>= ${pct(v.target.share)} of ${v.target.of}`, pass: verdict.pass, margin: verdict.margin });
  }
  log(`${row.id}: ${row.note}`);
}

/**
 * Latency at half of the maximum the gateway just reached: the minimal handler, then the gateway,
 * at the same fixed rate; the gateway's p99 should be at most twice the minimal handler's.
 */
async function halfLoad(sv: Servers, sc: Scenario, full: Row): Promise<Row> {
  const rate = Math.max(1, Math.round(full.rps! / 2));
  const failures: string[] = [];
  let minimal: LoadResult | null = null;
  if (!PROFILE_DIR) {
    log(`${sc.id}: minimal handler's p99 at ${rate} req/s`);
    minimal = (await measure(sv.minimal.url, sc.items, { rate, checkEhsmBody: sc.checkEhsmBody })).res;
    failures.push(...answerFailures(minimal, 'minimal handler: '));
  }
  log(`${sc.id}: gateway's p99 at ${rate} req/s`);
  const { res, auditRows, cores } = await measure(sv.gw.url, sc.items, { reader: sv.reader, rate, checkEhsmBody: sc.checkEhsmBody, pid: sv.gw.pid });
  const expected = res.answered * sc.auditPerRequest;
  if (auditRows !== expected) failures.push(`audit rows ${auditRows} != ${expected} expected for ${res.answered} answered requests`);
  failures.push(...answerFailures(res));
  if (failures.length) failed = true;
  let pass: boolean | null = null;
  let margin: string | undefined;
  if (minimal) {
    const bound = 2 * minimal.p99;
    pass = res.p99 <= bound;
    margin = pass ? `met (${res.p99} <= ${bound} ms, ${bound - res.p99} ms to spare)` : `MISSED by ${res.p99 - bound} ms (${res.p99} > ${bound} ms)`;
  }
  log(
    `${sc.id} at ${rate} req/s: p99 ${res.p99} ms${minimal ? `, minimal handler ${minimal.p99} ms` : ''}, audit ${auditRows}/${expected}${failures.length ? ` FAIL: ${failures.join('; ')}` : ''}`,
  );
  return {
    id: `${sc.id}-half`,
    title: `  same at half load (${rate} req/s): p99`,
    rps: res.rps,
    p50: res.p50,
    p99: res.p99,
    limitKind: '-',
    limitRps: null,
    ratio: null,
    minimalRps: minimal?.rps ?? null,
    minimalP50: minimal?.p50 ?? null,
    minimalP99: minimal?.p99 ?? null,
    minimalRatio: null,
    target: "p99 <= 2x minimal's",
    pass,
    margin,
    answered: res.answered,
    auditRows,
    auditExpected: expected,
    auditOk: auditRows === expected,
    failures,
    cores,
  };
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
  log(
    `${QUICK ? 'quick' : 'full'} run: ${CONNECTIONS} connections, warm-up ${WARM_S} s, ${MEASURE_S} s per scenario, gateway KMS_WORKERS=${WORKERS}; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
  );
  const work = mkdtempSync(join(tmpdir(), 'kms-bench-'));
  const dataDir = join(work, 'data');
  const hsm = flag('no-hsm') ? null : softHsm();
  if (!hsm) log('softhsm2-util not found: the SoftHSM2 scenario is skipped');
  const servers: Server[] = [];
  let ds: DataSource | null = null;
  const extra: Record<string, unknown> = {};
  /** Starts a server and stops it with the others, whatever happens. */
  const started = async (p: Promise<Server>) => {
    const sv = await p;
    servers.push(sv);
    return sv;
  };
  const stop = async (sv: Server) => {
    await sv.stop();
    servers.splice(servers.indexOf(sv), 1);
  };
  try {
    // ---- the store: tenants, credentials and the 100 keys of the symmetric scenarios ----------
    const seed = await runJson<SeedResult>('seed.js', [], {
      env: {
        KMS_DATA_DIR: dataDir,
        KMS_LOG_LEVEL: 'warn',
        BENCH_SEED: JSON.stringify({ tenants: ['bench', 'hsm'], aesKeys: HOT_KEYS, hot: HOT_KEYS, rotated: { versions: VERSIONS, payloads: 50 } }),
      },
    });
    const t = seed.tenants.bench;
    const hot = seed.hotKeys;
    const rotated = seed.rotated!;
    const p11Env: Record<string, string> = hsm
      ? {
          SOFTHSM2_CONF: hsm.conf,
          KMS_PKCS11_MODULE: hsm.module,
          KMS_PKCS11_TOKEN_LABEL: hsm.label,
          KMS_PKCS11_PIN: hsm.pin,
          KMS_ROUTING_RULES: JSON.stringify([{ tenant: seed.tenants.hsm.id, backend: 'pkcs11' }]),
        }
      : {};
    const profArgs = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${resolve(PROFILE_DIR)}`] : [];
    const gwEnv = { KMS_DATA_DIR: dataDir, ...p11Env };
    let gw = await started(startGateway({ ...gwEnv, KMS_WORKERS: WORKERS }, profArgs));
    const echo = await started(startEcho('pinned'));
    const echoLatest = await started(startEcho('latest'));
    ({ ds } = await auditReader(dataDir));
    const reader = new AuditReader(ds);

    // ---- keys and tokens, made through the dialects as a client would -------------------------
    const auth = { authorization: `Bearer ${t.joseToken}` };
    const josePost = (path: string, bodies: string[], weight = 1): LoadItem => ({ kind: 'static', weight, method: 'POST', path, headers: auth, bodies });
    const newJoseKey = (token: string, body: object) => jose(gw.url, token, '/v1/crypto/keys', body) as Promise<{ kid: string; kid_public: string }>;
    const es256 = await newJoseKey(t.joseToken, { kty: 'EC', crv: 'P-256', alg: 'ES256' });
    const rs256 = await newJoseKey(t.joseToken, { kty: 'RSA', alg: 'RS256', bits: 2048 });
    const hs256 = (await newJoseKey(t.joseToken, { kty: 'oct', alg: 'HS256' })).kid;
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

    // What the minimal handlers try, as the gateway: the newest TRIAL_LIMIT versions.
    const rotatedVersions = rotated.material.slice(-TRIAL_LIMIT);

    // The minimal handlers answer the same credentials and key ids (bench/lib/minimal/config.ts).
    const joseKeys: JoseKeyConfig[] = [
      ...hot.map((kid, i): JoseKeyConfig => ({ kid, tenant: t.id, kind: 'aes-256', material: seed.hotKeyMaterial[i] })),
      { kid: es256.kid, tenant: t.id, kind: 'es256', publicKid: es256.kid_public },
      { kid: rs256.kid, tenant: t.id, kind: 'rs256', publicKid: rs256.kid_public },
      { kid: hs256, tenant: t.id, kind: 'hs256' },
      { kid: rotated.id, tenant: t.id, kind: 'aes-256', versions: rotatedVersions },
    ];
    const minimalConfig: MinimalConfig = {
      jose: { tokens: [{ token: t.joseToken, tenant: t.id }], keys: joseKeys },
      ehsm: {
        apps: [app],
        keys: [
          { keyid: ehsmAes, kind: 'aes-256' },
          { keyid: ehsmEc, kind: 'ec-p256' },
          { keyid: rotated.id, kind: 'aes-256', versions: rotatedVersions },
        ],
      },
      encedo: {
        tokenKey: seed.encedoTokenKey,
        users: [hem.iss],
        keys: [
          { kid: hmacKid, kind: 'hmac-sha256' },
          { kid: ecdhKid, kind: 'x25519' },
        ],
      },
      aws: {
        accessKeys: [{ ...t.aws, tenant: t.id }],
        keys: hot.map((keyId, i) => ({ keyId, tenant: t.id, material: seed.hotKeyMaterial[i] })),
      },
      vault: {
        tokens: [{ token: t.vault, tenant: t.id }],
        keys: hot.map((name, i) => ({ name, tenant: t.id, material: seed.hotKeyMaterial[i] })),
      },
    };

    // AWS KMS Encrypt: a pool of requests SigV4-signed by the bench's own signer, one per item
    // (the signature covers the body), each sent as often as it is picked: the gateway, like AWS,
    // accepts a signed request again within its 5 minutes (no replay ledger for SigV4). Signed
    // for a Host of their own, sent with it to the gateway and the minimal handler alike.
    const awsEncryptItems = (): LoadItem[] => {
      const at = new Date();
      return hot.slice(0, 50).map((KeyId): LoadItem => {
        const body = JSON.stringify({ KeyId, Plaintext: b64(payload64()), EncryptionContext: { purpose: 'bench', tenant: t.id } });
        const headers = signAwsRequest({ host: 'kms.bench.invalid', target: 'TrentService.Encrypt', body, region: 'us-east-1', at }, t.aws);
        return { kind: 'static', weight: 1, method: 'POST', path: '/', headers, bodies: [body] };
      });
    };

    // Version trial: eHSM Decrypt and JOSE `dir` decrypt without `kv` name no version, so the
    // gateway tries the rotated key's kept versions newest first until the tag holds. Per route,
    // the same key and the same requests but for the version that sealed them (in the seed): the
    // current one (opens at the first try) and the oldest of 10 (nine failed tags first),
    // reported as a share of the first.
    const { sealed } = rotated;
    const ehsmDecrypt = (cts: string[]) =>
      ehsmItem(
        'Decrypt',
        cts.map((ciphertext) => ({ keyid: rotated.id, ciphertext })),
      );
    const joseDecrypt = (jwes: string[]) => josePost('/v1/crypto/decrypt', jwes);
    const trialRoutes: [route: string, title: string, current: LoadItem, oldest: LoadItem][] = [
      ['ehsm-decrypt', 'eHSM Decrypt 64 B', ehsmDecrypt(sealed.current.ehsm), ehsmDecrypt(sealed.oldest.ehsm)],
      ['jose-decrypt', 'JOSE dir/A256GCM decrypt 64 B (no kv)', joseDecrypt(sealed.current.jose), joseDecrypt(sealed.oldest.jose)],
    ];
    const versionTrial = trialRoutes.flatMap(([route, title, current, oldest]): Scenario[] => {
      const common = { limit: { kind: 'http' } as const, auditPerRequest: 1, checkEhsmBody: current.kind === 'ehsm', quickGatewayOnly: true };
      const base = `${route}-v${VERSIONS}of${VERSIONS}`;
      return [
        { ...common, id: base, title: `${title}, sealed by the current version of ${VERSIONS}`, items: [current] },
        { ...common, id: `${route}-v1of${VERSIONS}`, title: `${title}, sealed by the oldest of ${VERSIONS} versions`, items: [oldest], versus: { id: base } },
      ];
    });

    const scenarios: Scenario[] = [
      {
        id: 'jose-encrypt',
        title: 'JOSE dir/A256GCM encrypt 64 B (100 keys)',
        limit: { kind: 'http' },
        target: 0.9,
        auditPerRequest: 1,
        items: [josePost('/v1/crypto/encrypt', encBodies)],
      },
      { id: 'jose-decrypt', title: 'JOSE dir/A256GCM decrypt 64 B', limit: { kind: 'http' }, auditPerRequest: 1, items: [josePost('/v1/crypto/decrypt', jwes)] },
      {
        id: 'jose-es256',
        title: 'JOSE ES256 sign (soft)',
        limit: { kind: 'crypto', op: 'es256-sign' },
        target: 0.9,
        auditPerRequest: 1,
        items: [josePost('/v1/crypto/sign', signBodies(es256.kid, 'ES256'))],
      },
      {
        id: 'jose-rs256',
        title: 'JOSE RS256 sign (soft, RSA-2048)',
        limit: { kind: 'crypto', op: 'rs256-sign' },
        auditPerRequest: 1,
        items: [josePost('/v1/crypto/sign', signBodies(rs256.kid, 'RS256'))],
      },
      { id: 'jose-hs256', title: 'JOSE HS256 MAC', limit: { kind: 'http' }, auditPerRequest: 1, items: [josePost('/v1/crypto/mac', signBodies(hs256, 'HS256'))] },
      {
        id: 'ehsm-encrypt',
        title: 'eHSM Encrypt 64 B (signed request)',
        limit: { kind: 'http' },
        target: 0.9,
        halfLoad: true,
        auditPerRequest: 1,
        checkEhsmBody: true,
        items: [
          ehsmItem(
            'Encrypt',
            many(50, () => ({ keyid: ehsmAes, plaintext: b64(payload64()) })),
          ),
        ],
      },
      {
        id: 'ehsm-gdk',
        title: 'eHSM GenerateDataKey 32 B',
        limit: { kind: 'http' },
        auditPerRequest: 1,
        checkEhsmBody: true,
        items: [ehsmItem('GenerateDataKey', [{ keyid: ehsmAes, keylen: 32 }])],
      },
      {
        id: 'ehsm-sign',
        title: 'eHSM Sign EC P-256',
        limit: { kind: 'crypto', op: 'ecdsa-p256-der-sign' },
        auditPerRequest: 1,
        checkEhsmBody: true,
        items: [
          ehsmItem(
            'Sign',
            many(50, () => ({ keyid: ehsmEc, message: b64(payload64()), message_type: 'EH_RAW', digest_mode: 'EH_SHA_256', padding_mode: 'EH_PAD_NONE' })),
          ),
        ],
      },
      ...versionTrial,
      {
        id: 'encedo-hmac',
        title: 'Encedo HMAC SHA2-256 64 B',
        limit: { kind: 'http' },
        target: 0.9,
        auditPerRequest: 1,
        items: [
          {
            kind: 'static',
            weight: 1,
            method: 'POST',
            path: '/api/crypto/hmac/hash',
            headers: { authorization: `Bearer ${hmacToken}` },
            bodies: many(50, () => JSON.stringify({ kid: hmacKid, msg: b64(payload64()) })),
          },
        ],
      },
      {
        id: 'encedo-ecdh',
        title: 'Encedo ECDH X25519',
        limit: { kind: 'crypto', op: 'x25519-ecdh' },
        auditPerRequest: 1,
        items: [
          {
            kind: 'static',
            weight: 1,
            method: 'POST',
            path: '/api/crypto/ecdh',
            headers: { authorization: `Bearer ${ecdhToken}` },
            bodies: peers.map((p) => JSON.stringify({ kid: ecdhKid, pubkey: b64(p) })),
          },
        ],
      },
      {
        id: 'aws-encrypt',
        title: 'AWS Encrypt 64 B (SigV4)',
        limit: { kind: 'http' },
        auditPerRequest: 1,
        items: awsEncryptItems(),
        fresh: awsEncryptItems,
      },
      {
        // The seed's AES keys by UUID, the name a Vault client uses for a key made elsewhere.
        id: 'vault-encrypt',
        title: 'Vault transit encrypt 64 B',
        limit: { kind: 'http' },
        auditPerRequest: 1,
        items: hot.slice(0, 50).map((name): LoadItem => ({
          kind: 'static',
          weight: 1,
          method: 'POST',
          path: `/v1/transit/encrypt/${name}`,
          headers: { 'x-vault-token': t.vault },
          bodies: many(5, () => JSON.stringify({ plaintext: b64(payload64()) })),
        })),
      },
    ];
    let minimalEnv: Record<string, string> = {};
    if (hsm) {
      const ht = seed.tenants.hsm.joseToken;
      const hsmKey = await newJoseKey(ht, { kty: 'EC', crv: 'P-256', alg: 'ES256' });
      minimalConfig.jose!.tokens.push({ token: ht, tenant: seed.tenants.hsm.id });
      minimalConfig.jose!.keys.push({ kid: hsmKey.kid, tenant: seed.tenants.hsm.id, kind: 'p11-es256', publicKid: hsmKey.kid_public });
      minimalConfig.pkcs11 = { module: hsm.module, label: hsm.label, pin: hsm.pin, sessions: HSM_SESSIONS };
      minimalEnv = { SOFTHSM2_CONF: hsm.conf };
      scenarios.push({
        id: 'hsm-es256',
        title: 'JOSE ES256 sign, key on SoftHSM2',
        limit: { kind: 'pkcs11' },
        target: 0.85,
        halfLoad: true,
        auditPerRequest: 1,
        items: [{ kind: 'static', weight: 1, method: 'POST', path: '/v1/crypto/sign', headers: { authorization: `Bearer ${ht}` }, bodies: signBodies(hsmKey.kid, 'ES256') }],
      });
    }
    const mixed: Scenario = {
      id: 'mixed',
      title: 'Mixed JOSE: 70% encrypt, 20% ES256 sign, 10% key creation',
      limit: { kind: 'http' },
      auditPerRequest: 1,
      items: [
        josePost('/v1/crypto/encrypt', encBodies, 70),
        josePost('/v1/crypto/sign', signBodies(es256.kid, 'ES256'), 20),
        josePost('/v1/crypto/keys', [JSON.stringify({ kty: 'oct', alg: 'A256GCM' })], 5),
        josePost('/v1/crypto/keys', [JSON.stringify({ kty: 'EC', crv: 'P-256', alg: 'ES256' })], 5),
      ],
    };
    scenarios.push(mixed);
    const minimal = await started(startMinimal(minimalConfig, minimalEnv));
    const sv: Servers = { gw, reader, echo, echoLatest, minimal };

    // A scenario compared with another brings it along.
    const selected = (id: string) => !ONLY || ONLY.includes(id) || scenarios.some((sc) => sc.versus?.id === id && ONLY.includes(sc.id));
    // A first, discarded round on every server: the first scenario measured right after start-up
    // came out well below the same scenario run later (JIT, caches, CPU frequency).
    log('warming up the servers');
    for (const url of [echo.url, echoLatest.url, minimal.url, gw.url]) await load({ url, items: scenarios[0].items, durationS: WARM_S * 2 });
    for (const sc of scenarios) {
      if (!selected(sc.id)) continue;
      const row = await runScenario(sv, hsm, sc);
      rows.push(row);
      if (sc.halfLoad) rows.push(await halfLoad(sv, sc, row));
      if (sc === mixed) {
        const rss = rssMb(gw.pid);
        const pss = pssMb(gw.pid);
        const heap = await heapMb(gw.url);
        extra.rssAfterMixedMb = rss;
        extra.pssAfterMixedMb = pss;
        extra.heapAfterMixedMb = heap;
        // Several processes share the node binary and libraries: PSS counts those pages once.
        const mem = pss ?? rss;
        const note =
          mem === null
            ? 'n/a'
            : `${mem.toFixed(0)} MB ${pss === null ? 'RSS' : `PSS (RSS summed over the processes ${rss?.toFixed(0) ?? '?'} MB)`}; V8 heap used ${heap?.used.toFixed(0) ?? '?'} MB of ${heap?.total.toFixed(0) ?? '?'} MB in one worker`;
        rows.push({
          id: 'rss',
          title: '  gateway memory after the mixed run (all processes)',
          rps: null,
          p50: null,
          p99: null,
          limitKind: '-',
          limitRps: null,
          ratio: null,
          target: '<= 300 MB',
          pass: mem === null ? null : mem <= 300,
          note,
        });
      }
    }
    if (flag('verbose')) process.stderr.write(`---- gateway output ----\n${gw.output()}\n------------------------\n`);
    await stop(gw);

    // ---- the same gateway with one worker per core: do workers help on this machine? ----------
    const autoCount = availableParallelism();
    const againstAuto = scenarios.filter((sc) => (sc.id === 'ehsm-encrypt' || sc.id === 'jose-encrypt') && rows.some((r) => r.id === sc.id));
    if (selected('workers-auto') && againstAuto.length && WORKER_COUNT !== autoCount) {
      log(`workers-auto: the gateway with KMS_WORKERS=auto (${autoCount} workers)`);
      gw = await started(startGateway({ ...gwEnv, KMS_WORKERS: 'auto' }, profArgs));
      await load({ url: gw.url, items: againstAuto.flatMap((sc) => sc.items), durationS: WARM_S * 2 });
      const parts = [];
      const failures: string[] = [];
      for (const sc of againstAuto) {
        log(`workers-auto: ${sc.id}`);
        const { res, auditRows, cores } = await measure(gw.url, sc.items, { reader, checkEhsmBody: sc.checkEhsmBody, pid: gw.pid });
        const one = rows.find((r) => r.id === sc.id)!;
        if (auditRows !== res.answered * sc.auditPerRequest) failures.push(`${sc.id}: audit rows ${auditRows} != ${res.answered * sc.auditPerRequest} expected`);
        failures.push(...answerFailures(res, `${sc.id}: `));
        parts.push({
          id: sc.id,
          title: sc.title,
          rps: res.rps,
          p50: res.p50,
          p99: res.p99,
          oneWorkerRps: one.rps!,
          ratio: res.rps / one.rps!,
          answered: res.answered,
          auditRows,
          cores,
        });
        log(
          `workers-auto: ${sc.id} ${res.rps.toFixed(0)} req/s = ${pct(res.rps / one.rps!)} of ${one.rps!.toFixed(0)} with KMS_WORKERS=${WORKERS}, p99 ${res.p99} ms, cores gateway ${cores.gateway.toFixed(2)}`,
        );
      }
      if (failures.length) failed = true;
      // One figure for both: the geometric mean of the two ratios.
      const ratio = Math.exp(parts.reduce((sum, x) => sum + Math.log(x.ratio), 0) / parts.length);
      const verdict = ratioVerdict(ratio, 1);
      const answered = parts.reduce((sum, x) => sum + x.answered, 0);
      const auditRows = parts.reduce((sum, x) => sum + x.auditRows, 0);
      rows.push({
        id: 'workers-auto',
        title: `${parts.map((x) => x.title.replace(/ \(.*\)$/, '')).join(' + ')}, KMS_WORKERS=auto (${autoCount} workers)`,
        rps: null,
        p50: null,
        p99: null,
        limitKind: `KMS_WORKERS=${WORKERS} rows`,
        limitRps: null,
        ratio,
        target: `>= 100% of KMS_WORKERS=${WORKERS}`,
        pass: verdict.pass,
        margin: verdict.margin,
        note: parts.map((x) => `${x.id} ${x.rps.toFixed(0)} req/s p99 ${x.p99} ms = ${pct(x.ratio)} of ${x.oneWorkerRps.toFixed(0)}`).join('; '),
        answered,
        auditRows,
        auditExpected: answered,
        auditOk: !failures.some((f) => f.includes('audit')),
        failures,
      });
      extra.workersAuto = { workers: autoCount, parts };
      await stop(gw);
    } else if (selected('workers-auto') && againstAuto.length) {
      log(`workers-auto: skipped, KMS_WORKERS=${WORKERS} is already ${autoCount} workers`);
    }
    // ---- KMIP Encrypt over one TLS connection: a gateway with TLS and the KMIP listener ---------
    if (selected('kmip-encrypt')) {
      const row = await kmipEncryptRow({
        work,
        dataDir,
        tenant: 'bench',
        tenantId: t.id,
        keys: hot.slice(0, 50),
        material: seed.hotKeyMaterial.slice(0, 50),
        reader,
        nodeArgs: profArgs,
        workers: WORKERS,
        warmS: WARM_S,
        measureS: MEASURE_S,
        started,
        stop,
        log,
      });
      if (row.failures?.length) failed = true;
      rows.push(row);
    }
    await ds.destroy();
    ds = null;
    await stop(minimal);

    // ---- 100,000 keys in the store: start-up, then the first scenario again -------------------
    if (selected('big-store')) {
      const bigDir = join(work, 'big');
      log(`seeding ${BIG_STORE} keys`);
      const big = await runJson<SeedResult>('seed.js', [], {
        env: { KMS_DATA_DIR: bigDir, KMS_LOG_LEVEL: 'warn', BENCH_SEED: JSON.stringify({ tenants: ['bench'], aesKeys: BIG_STORE, hot: HOT_KEYS }) },
      });
      extra.seedSeconds = big.seconds;
      log(`seeded in ${big.seconds.toFixed(1)} s; starting the gateway on it`);
      const t0 = performance.now();
      const bgw = await started(startGateway({ KMS_DATA_DIR: bigDir, KMS_WORKERS: WORKERS }, profArgs));
      while (!(await ready(bgw.url))) await sleep(10);
      const readyMs = performance.now() - t0;
      extra.startup = { listeningMs: bgw.listeningMs, readyMs, keys: BIG_STORE };
      rows.push({
        id: 'startup',
        title: `Start-up with ${BIG_STORE.toLocaleString('en')} keys (to /health/ready 200)`,
        rps: null,
        p50: null,
        p99: null,
        limitKind: '-',
        limitRps: null,
        ratio: null,
        target: '<= 3 s',
        pass: readyMs <= 3000,
        note: `${(readyMs / 1000).toFixed(2)} s`,
      });
      const bt0 = big.tenants.bench;
      const bigMinimal = await started(
        startMinimal({
          jose: {
            tokens: [{ token: bt0.joseToken, tenant: bt0.id }],
            keys: big.hotKeys.map((kid, i) => ({ kid, tenant: bt0.id, kind: 'aes-256', material: big.hotKeyMaterial[i] })),
          },
        } satisfies MinimalConfig),
      );
      const warmItems: LoadItem[] = [
        {
          kind: 'static',
          weight: 1,
          method: 'POST',
          path: '/v1/crypto/encrypt',
          headers: { authorization: `Bearer ${bt0.joseToken}` },
          bodies: big.hotKeys.map((kid) => JSON.stringify({ kid, alg: 'dir', enc: 'A256GCM', data: b64u(payload64()) })),
        },
      ];
      for (const url of [bigMinimal.url, bgw.url]) await load({ url, items: warmItems, durationS: WARM_S * 2 });
      const bigAudit = await auditReader(bigDir);
      ds = bigAudit.ds;
      const row = await runScenario({ gw: bgw, reader: bigAudit.reader, echo, echoLatest, minimal: bigMinimal }, null, {
        id: 'jose-encrypt-100k',
        title: `JOSE encrypt, ${BIG_STORE.toLocaleString('en')} keys in the store`,
        limit: { kind: 'http' },
        auditPerRequest: 1,
        items: warmItems,
        versus: { id: 'jose-encrypt', target: { share: 0.9, of: `${HOT_KEYS} keys` } },
      });
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
  // Both echoes answered the same requests: their ratio shows a regression of either Fastify.
  const echoes = rows.filter((r) => r.limitKind.endsWith(' echo') && r.limitRps && r.echoLatestRps);
  const pinnedVsLatest = echoes.length ? Math.exp(echoes.reduce((sum, r) => sum + Math.log(r.limitRps! / r.echoLatestRps!), 0) / echoes.length) : null;
  extra.fastify = { pinned: FASTIFY.pinned, latest: FASTIFY.latest, pinnedEchoVsLatest: pinnedVsLatest };
  process.stdout.write(`\n${machine}; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}\n`);
  process.stdout.write(`gateway KMS_WORKERS=${WORKERS}; ${CONNECTIONS} connections, ${MEASURE_S} s per scenario after ${WARM_S} s warm-up${QUICK ? ' (quick)' : ''}\n`);
  process.stdout.write(
    `echo: Fastify ${FASTIFY.pinned} (the gateway's, as @nestjs/platform-fastify resolves it); echo latest and minimal handler: Fastify ${FASTIFY.latest} (fastify-latest)` +
      `${pinnedVsLatest === null ? '' : `; echo ${FASTIFY.pinned} at ${pct(pinnedVsLatest)} of echo ${FASTIFY.latest} (geometric mean over ${echoes.length} scenario${echoes.length === 1 ? '' : 's'}${QUICK ? ': quick mode measures the latest echo on the first HTTP scenario only' : ''})`}\n\n${table}\n`,
  );
  const result = {
    date: startedAt.toISOString(),
    quick: QUICK,
    machine,
    loadAverage: { before: loadBefore, after: loadAfter },
    settings: {
      workers: WORKERS,
      connections: CONNECTIONS,
      warmupS: WARM_S,
      measureS: MEASURE_S,
      rawS: RAW_S,
      hsmThreads: HSM_THREADS,
      hsmSessions: HSM_SESSIONS,
      bigStore: BIG_STORE,
      hotKeys: HOT_KEYS,
      fastify: FASTIFY,
    },
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
  const fmt = (n: number | null | undefined, d = 0) => (n === null || n === undefined || Number.isNaN(n) ? '' : n.toFixed(d));
  const head = [
    'scenario',
    'req/s',
    'p50 ms',
    'p99 ms',
    'limit',
    'limit req/s',
    'ratio',
    `echo latest (${FASTIFY.latest}) req/s`,
    'minimal req/s',
    'minimal p99 ms',
    'vs minimal',
    'vs row',
    'target',
    'result',
    'cores gw+load',
    'audit',
  ];
  const body = rs.map((r) => [
    r.title,
    r.note && r.rps === null ? r.note : fmt(r.rps),
    fmt(r.p50),
    fmt(r.p99),
    r.limitKind,
    fmt(r.limitRps),
    r.ratio === null || Number.isNaN(r.ratio) ? '' : r.limitKind.startsWith('node:crypto') ? `${r.ratio.toFixed(2)}x` : pct(r.ratio),
    fmt(r.echoLatestRps),
    fmt(r.minimalRps),
    fmt(r.minimalP99),
    r.minimalRatio === null || r.minimalRatio === undefined ? '' : pct(r.minimalRatio),
    r.vsRow ? `${pct(r.vsRow.share)} of ${r.vsRow.id} (CPU/req: ${pct(r.vsRow.cpuShare)})` : '',
    r.target,
    r.pass === null ? '' : (r.margin ?? (r.pass ? 'met' : 'MISSED')),
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
