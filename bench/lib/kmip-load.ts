import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { connect, type TLSSocket } from 'node:tls';
import { decode } from '@kms/dialect-kmip';
import { MessageReader, encryptSucceeded } from './kmip-wire';
import type { LoadResult } from './wire';

/**
 * The KMIP load generator, its own process like load.js (spec as JSON on the first stdin line,
 * result as JSON on stdout): one TLS connection with the client certificate, one request in flight
 * at a time, as a KMIP client library sends them. A warm-up for `warmS` seconds, then `{"warm"}`,
 * then (after a line on stdin) exactly `max(minAmount, warm rate x measureS)` requests, every
 * response decoded and checked to be a successful Encrypt.
 */
export interface KmipLoadSpec {
  host: string;
  port: number;
  ca: string;
  cert: string;
  key: string;
  /** Pre-encoded Request Messages (base64), sent round-robin. */
  requests: string[];
  warmS: number;
  measureS: number;
  minAmount: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

async function open(spec: KmipLoadSpec): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: spec.host, port: spec.port, ca: readFileSync(spec.ca), cert: readFileSync(spec.cert), key: readFileSync(spec.key), servername: 'localhost' });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

async function main(): Promise<void> {
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const spec = JSON.parse(((await lines.next()).value as string | undefined) ?? '{}') as KmipLoadSpec;
  const requests = spec.requests.map((r) => Buffer.from(r, 'base64'));
  const socket = await open(spec);
  socket.setNoDelay(true);
  let waiting: { resolve: (m: Buffer) => void; reject: (e: Error) => void } | null = null;
  let closed: Error | null = null;
  const settle = (): typeof waiting => {
    const w = waiting;
    waiting = null;
    return w;
  };
  const reader = new MessageReader((m) => settle()?.resolve(m));
  const fail = (e: Error) => {
    closed ??= e;
    settle()?.reject(closed);
  };
  socket.on('data', (c: Buffer) => reader.push(c));
  socket.once('close', () => fail(new Error('the server closed the connection')));
  socket.once('error', fail);
  let next = 0;
  const one = (): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      if (closed) return reject(closed);
      waiting = { resolve, reject };
      socket.write(requests[next++ % requests.length]);
    });
  const run = async (until: { amount: number } | { seconds: number }): Promise<LoadResult> => {
    const latencies: number[] = [];
    let failedAnswers = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const done = 'amount' in until ? () => latencies.length >= until.amount : () => performance.now() - t0 >= until.seconds * 1000;
    while (!done()) {
      const s = performance.now();
      const answer = await one();
      latencies.push(performance.now() - s);
      if (!encryptSucceeded(decode(answer))) failedAnswers++;
    }
    const seconds = (performance.now() - t0) / 1000;
    const sorted = [...latencies].sort((a, b) => a - b);
    const c = process.cpuUsage(cpu0);
    const round = (x: number) => Math.round(x * 100) / 100;
    return {
      answered: latencies.length,
      ok: latencies.length - failedAnswers,
      non2xx: failedAnswers,
      bodyErrors: 0,
      errors: 0,
      timeouts: 0,
      seconds,
      rps: latencies.length / seconds,
      p50: round(percentile(sorted, 50)),
      p90: round(percentile(sorted, 90)),
      p99: round(percentile(sorted, 99)),
      max: round(sorted[sorted.length - 1] ?? NaN),
      statusCodes: { success: latencies.length - failedAnswers, failed: failedAnswers },
      loadCores: (c.user + c.system) / 1e6 / seconds,
    };
  };
  const warm = await run({ seconds: spec.warmS });
  process.stdout.write(`${JSON.stringify({ warm })}\n`);
  await lines.next();
  const out = await run({ amount: Math.max(spec.minAmount, Math.round(warm.rps * spec.measureS)) });
  socket.end();
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`kmip-load: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
