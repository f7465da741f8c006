import { ehsmBody, type LoadItem, type LoadResult, type LoadSpec } from './wire';

/**
 * The load generator, run as its own process (`node load.js`, spec as JSON on stdin, result as
 * JSON on stdout) so that it never shares an event loop with the server it measures. autocannon
 * keeps `connections` requests in flight; each request is built just before it is sent.
 *
 * A measured run gives autocannon an `amount`: it stops when every request has been answered, so
 * "requests answered" is exact and comparable with the audit rows the gateway wrote. A warm-up
 * uses a duration instead (its last requests are abandoned; the orchestrator lets them settle).
 */
// autocannon ships no types; this is the part of its API used here.
type Req = { method?: string; path?: string; headers?: Record<string, string>; body?: string };
interface AutocannonResult {
  latency: { p50: number; p90: number; p99: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  statusCodeStats: Record<string, { count: number }>;
  start: Date;
  finish: Date;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (opts: object, cb: (err: Error | null, res: AutocannonResult) => void) => unknown;

function picker(items: LoadItem[]): () => LoadItem {
  const total = items.reduce((s, i) => s + i.weight, 0);
  if (items.length === 1) return () => items[0];
  return () => {
    let r = Math.random() * total;
    for (const i of items) {
      r -= i.weight;
      if (r < 0) return i;
    }
    return items[items.length - 1];
  };
}

const any = <T>(xs: T[]): T => xs[(Math.random() * xs.length) | 0];

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const spec = JSON.parse(Buffer.concat(chunks).toString('utf8')) as LoadSpec;
  const pick = picker(spec.items);
  let bodyErrors = 0;
  const build = (req: Req): Req => {
    const item = pick();
    if (item.kind === 'static') {
      return { ...req, method: item.method, path: item.path, headers: { ...item.headers, ...(item.bodies.length ? { 'content-type': 'application/json' } : {}) }, body: item.bodies.length ? any(item.bodies) : undefined };
    }
    return { ...req, method: 'POST', path: `/ehsm?Action=${item.action}`, headers: { 'content-type': 'application/json' }, body: ehsmBody(item.appid, item.apikey, any(item.payloads)) };
  };
  const checksBody = spec.checkEhsmBody === true;
  const opts = {
    url: spec.url,
    connections: spec.connections,
    pipelining: 1,
    timeout: 30,
    ...(spec.amount ? { amount: spec.amount } : { duration: spec.durationS ?? 1 }),
    ...(spec.rate ? { overallRate: spec.rate } : {}),
    requests: [
      {
        setupRequest: build,
        // eHSM always answers HTTP 200; its `code` says whether the operation happened.
        ...(checksBody
          ? {
              onResponse: (status: number, body: string) => {
                if (status === 200 && !body.startsWith('{"code":200')) bodyErrors++;
              },
            }
          : {}),
      },
    ],
  };
  const cpu0 = process.cpuUsage();
  const res = await new Promise<AutocannonResult>((resolve, reject) => autocannon(opts, (err, r) => (err ? reject(err) : resolve(r))));
  const seconds = (new Date(res.finish).getTime() - new Date(res.start).getTime()) / 1000;
  const statusCodes = Object.fromEntries(Object.entries(res.statusCodeStats).map(([k, v]) => [k, v.count]));
  const answered = Object.values(statusCodes).reduce((s, n) => s + n, 0);
  const out: LoadResult = {
    answered,
    ok: res['2xx'],
    non2xx: res.non2xx,
    bodyErrors,
    errors: res.errors,
    timeouts: res.timeouts,
    seconds,
    rps: answered / seconds,
    p50: res.latency.p50,
    p90: res.latency.p90,
    p99: res.latency.p99,
    max: res.latency.max,
    statusCodes,
    loadCores: (() => {
      const c = process.cpuUsage(cpu0);
      return (c.user + c.system) / 1e6 / seconds;
    })(),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err) => {
  process.stderr.write(`load: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
