import { readFileSync } from 'node:fs';

/**
 * Summarises a `node --cpu-prof` profile (`npm run bench -- --profile DIR` writes one per gateway
 * run): self time by function and by package/area, so the report can say where the time goes.
 * `node dist-bench/bench/lib/profile.js <file.cpuprofile> [top]`
 */
interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}

function area(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.startsWith('node:')) return url;
  const l = /(libs\/[^/]+|apps\/[^/]+)\//.exec(url) ?? /(bench)\/lib\//.exec(url);
  return l ? l[1] : url;
}

function main(): void {
  const [file, topArg] = process.argv.slice(2);
  const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n: Node) =>
    `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*?(node_modules|libs|apps|dist-bench)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
  // Inclusive time: every function on the stack of a sample, counted once per sample.
  const inclusive = new Map<string, number>();
  prof.samples.forEach((id, i) => {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = keyOf(byId.get(cur)!);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + (prof.timeDeltas[i] ?? 0));
    }
  });
  const fnTotals = new Map<string, number>();
  const areaTotals = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const { functionName, url } = n.callFrame;
    const key = keyOf(n);
    fnTotals.set(key, (fnTotals.get(key) ?? 0) + us);
    const a = area(url, functionName);
    areaTotals.set(a, (areaTotals.get(a) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const top = Number(topArg ?? 40);
  process.stdout.write(`total ${(total / 1e6).toFixed(2)} s sampled\n\nby area:\n`);
  for (const [a, us] of [...areaTotals].sort((x, y) => y[1] - x[1]).slice(0, 25)) process.stdout.write(`${pct(us)}  ${a}\n`);
  process.stdout.write('\nby function (self):\n');
  for (const [f, us] of [...fnTotals].sort((x, y) => y[1] - x[1]).slice(0, top)) process.stdout.write(`${pct(us)}  ${f}\n`);
  process.stdout.write('\nby function (inclusive, gateway code and Nest/Fastify/TypeORM entry points):\n');
  const interesting = /(libs|apps)\/|@nestjs|fastify\/lib\/(route|handle|reply)|typeorm\/(data-source|query-runner|entity-manager|driver\/sqlite)/;
  for (const [f, us] of [...inclusive]
    .filter(([k]) => interesting.test(k))
    .sort((x, y) => y[1] - x[1])
    .slice(0, top))
    process.stdout.write(`${pct(us)}  ${f}\n`);
}

main();
