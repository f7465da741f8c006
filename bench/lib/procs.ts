import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The build this file belongs to (`dist-bench/` when run by `npm run bench`). */
export const DIST = join(__dirname, '../..');
export const MAIN = join(DIST, 'apps/gateway/src/main.js');

/** The environment of a child: this one's without KMS_* settings (the bench sets its own). */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KMS_')) env[k] = v;
  return { ...env, ...extra };
}

/** Runs a node script of bench/lib to completion and parses the JSON line it prints. */
export function runJson<T>(script: string, args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [join(__dirname, script), ...args], {
      env: childEnv(opts.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    proc.once('error', reject);
    proc.once('exit', (code) => settle<T>(script, code, out, err, resolve, reject));
    proc.stdin.end(opts.stdin ?? '');
  });
}

/** A bench script's result: the last line it printed, as JSON, once it exited 0. */
function settle<T>(script: string, code: number | null, out: string, err: string, resolve: (v: T) => void, reject: (e: Error) => void): void {
  if (code !== 0) return reject(new Error(`${script} exited with ${code}:\n${err}${out}`));
  const line = out.trim().split('\n').pop() ?? '';
  try {
    resolve(JSON.parse(line) as T);
  } catch {
    reject(new Error(`${script} printed no JSON:\n${out}\n${err}`));
  }
}

/**
 * Runs a node script of bench/lib that talks in lines: `input` is its first line of stdin; each
 * line it prints is handed to `onLine`, and when that resolves true the script gets a line back
 * on stdin (it waits for it); the last line it prints is the result, parsed as JSON.
 */
export function runInteractive<T>(script: string, input: string, onLine: (line: string) => Promise<boolean>): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [join(__dirname, script)], { env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let handled = 0;
    let chain = Promise.resolve();
    proc.stdin.on('error', () => {
      // the script is gone: its exit code says why
    });
    proc.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const lines = out.split('\n');
      for (; handled < lines.length - 1; handled++) {
        const line = lines[handled];
        chain = chain
          .then(() => onLine(line))
          .then(
            (answer) => void (answer && proc.exitCode === null && proc.stdin.write('go\n')),
            (e: unknown) => {
              proc.kill('SIGKILL');
              reject(e instanceof Error ? e : new Error(String(e)));
            },
          );
      }
    });
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    proc.once('error', reject);
    proc.once('exit', (code) => settle<T>(script, code, out, err, resolve, reject));
    proc.stdin.write(`${input}\n`);
  });
}

export interface Server {
  url: string;
  pid: number;
  proc: ChildProcess;
  /** Milliseconds from spawn to the listening line. */
  listeningMs: number;
  output: () => string;
  stop: () => Promise<void>;
}

/** Spawns a server process and resolves at its `listening on <url>` line. */
export function startServer(args: string[], env: Record<string, string>, pattern: RegExp, timeoutMs = 60000): Promise<Server> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, args, { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not start in ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${out}`));
    };
    proc.once('exit', onExit);
    proc.stderr.on('data', (c: Buffer) => (out += c.toString()));
    proc.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = pattern.exec(out);
      if (!m) return;
      clearTimeout(timer);
      proc.off('exit', onExit);
      proc.stdout.removeAllListeners('data');
      proc.stdout.on('data', (c2: Buffer) => (out += c2.toString()));
      resolve({
        url: m[1],
        pid: proc.pid!,
        proc,
        listeningMs: performance.now() - t0,
        output: () => out,
        stop: async () => {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}

export function startGateway(env: Record<string, string>, nodeArgs: string[] = []): Promise<Server> {
  return startServer(
    [...nodeArgs, MAIN],
    { NODE_ENV: 'production', KMS_PORT: '0', KMS_HOST: '127.0.0.1', KMS_LOG_LEVEL: 'warn', ...env },
    /kms-gateway listening on (http:\/\/[\d.]+:\d+)/,
  );
}

/** A bare Fastify echo: `pinned` is the gateway's Fastify, `latest` the newest (fastify-latest). */
export function startEcho(flavour: 'pinned' | 'latest' = 'pinned'): Promise<Server> {
  return startServer([join(__dirname, 'echo-server.js'), flavour], { NODE_ENV: 'production' }, /echo listening on (http:\/\/[\d.]+:\d+)/);
}

/** The minimal handlers (bench/lib/minimal), configured for the keys and credentials of this run. */
export function startMinimal(config: object, env: Record<string, string> = {}): Promise<Server> {
  return startServer(
    [join(__dirname, 'minimal/server.js')],
    { NODE_ENV: 'production', ...env, BENCH_MINIMAL: JSON.stringify(config) },
    /minimal listening on (http:\/\/[\d.]+:\d+)/,
  );
}

/** A process and all its descendants (a multi-worker gateway is a primary and its workers). */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...(parents.get(all[i]) ?? []));
  return all;
}

/** Resident set size of a process and its descendants, in MB (Linux /proc). */
export function rssMb(pid: number): number | null {
  let kb = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      // gone meanwhile
    }
  }
  return kb ? kb / 1024 : null;
}

/**
 * Proportional set size of a process and its descendants, in MB: each page shared by several of
 * them (the node binary, libraries, a forked worker's untouched pages) is counted once across
 * them, not once per process as summed RSS does. The memory the gateway as a whole costs.
 */
export function pssMb(pid: number): number | null {
  let kb = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      // gone meanwhile, or no smaps_rollup (kernel < 4.14)
    }
  }
  return kb ? kb / 1024 : null;
}

/** CPU seconds (user + system) used so far by a process and its descendants. */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks / 100;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
