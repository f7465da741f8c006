import { createInterface } from 'node:readline';
import { ehsmBody, type LoadItem, type LoadResult, type LoadSpec } from './wire';

/**
 * The load generator, run as its own process (`node load.js`, spec as JSON on stdin, result as
 * JSON on stdout) so that it never shares an event loop with the server it measures. autocannon
 * keeps `connections` requests in flight; each request is built just before it is sent.
 *
 * A measured run gives autocannon an `amount`: it stops when every request has been answered, so
 * "requests answered" is exact and comparable with the audit rows the gateway wrote. A warm-up
 * uses a duration instead (its last requests are abandoned; the orchestrator lets them settle).
 * With `warmS`, one process does both: it prints `{"warm": {...}}` after the warm-up and waits
 * for a line on stdin (the orchestrator has counted the audit rows meanwhile) before measuring.
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
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const spec = JSON.parse(((await lines.next()).value as string | undefined) ?? '{}') as LoadSpec;
  const pick = picker(spec.items);
  let bodyErrors = 0;
  const build = (req: Req): Req => {
    const item = pick();
    if (item.kind === 'static') {
      return {
        ...req,
        method: item.method,
        path: item.path,
        // JSON unless the item says otherwise (AWS: application/x-amz-json-1.1, part of its signature).
        headers: { ...(item.bodies.length ? { 'content-type': 'application/json' } : {}), ...item.headers },
        body: item.bodies.length ? any(item.bodies) : undefined,
      };
    }
    return {
      ...req,
      method: 'POST',
      path: `/ehsm?Action=${item.action}`,
      headers: { 'content-type': 'application/json' },
      body: ehsmBody(item.appid, item.apikey, any(item.payloads)),
    };
  };
  const checksBody = spec.checkEhsmBody === true;
  const run = async (until: { amount: number } | { duration: number }): Promise<LoadResult> => {
    bodyErrors = 0;
    const opts = {
      url: spec.url,
      connections: spec.connections,
      pipelining: 1,
      timeout: 30,
      ...until,
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
    const c = process.cpuUsage(cpu0);
    return {
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
      loadCores: (c.user + c.system) / 1e6 / seconds,
    };
  };
  let out: LoadResult;
  if (spec.warmS) {
    const warm = await run({ duration: spec.warmS });
    process.stdout.write(`${JSON.stringify({ warm })}\n`);
    await lines.next();
    const perSecond = spec.rate ?? Math.max(warm.rps, 1);
    out = await run({ amount: Math.max(spec.minAmount ?? 1, Math.round(perSecond * (spec.measureS ?? 1))) });
  } else {
    out = await run(spec.amount ? { amount: spec.amount } : { duration: spec.durationS ?? 1 });
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`load: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
