import { Counter, Histogram, Registry } from 'prom-client';
import { KmsMetrics } from './metrics';

/** What prom-client's own Counter and Histogram render for the same operations. */
function reference() {
  const registry = new Registry();
  const ops = new Counter({
    name: 'kms_operations_total',
    help: 'Key operations by dialect, operation, backend and outcome',
    labelNames: ['dialect', 'operation', 'backend', 'outcome'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'kms_operation_duration_seconds',
    help: 'Key operation latency, including the audit commit',
    labelNames: ['dialect', 'operation', 'backend'],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return {
    registry,
    observe(dialect: string, operation: string, backend: string | null, outcome: string, seconds: number) {
      const b = backend ?? 'none';
      ops.inc({ dialect, operation, backend: b, outcome });
      latency.observe({ dialect, operation, backend: b }, seconds);
    },
  };
}

/** The operation metrics' lines of a registry's text output, as a sorted list. */
async function operationLines(registry: Registry): Promise<string[]> {
  const text = await registry.metrics();
  return text
    .split('\n')
    .filter((l) => l.startsWith('kms_operation') || /^# (HELP|TYPE) kms_operation/.test(l))
    .sort();
}

/** JSON with keys sorted at every level (undefined members left out, as JSON does). */
const canonical = (v: unknown): string => {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
};

describe('KmsMetrics', () => {
  const calls: Array<[string, string, string | null, string, number]> = [
    ['jose', 'encrypt', 'soft', 'ok', 0.0003],
    ['jose', 'encrypt', 'soft', 'ok', 0.0001], // exactly on a bound: that bucket (le)
    ['jose', 'encrypt', 'soft', 'NOT_FOUND', 0.00002],
    ['ehsm', 'encrypt', 'soft', 'ok', 0.004],
    ['ehsm', 'list', null, 'ok', 0.02],
    ['encedo', 'mac', 'pkcs11', 'ok', 3], // above every bound: +Inf only
    ['jose', 'encrypt', 'soft', 'ok', 2.5],
    ['jose', 'sign', 'soft', 'INTERNAL', 0],
  ];

  it('renders the operation counter and latency histogram as prom-client does', async () => {
    const ours = new KmsMetrics();
    const ref = reference();
    for (const c of calls) {
      ours.observe(...c);
      ref.observe(...c);
    }
    const lines = await operationLines(ours.registry);
    expect(lines).toEqual(await operationLines(ref.registry));
    expect(lines).toContain('# TYPE kms_operations_total counter');
    expect(lines).toContain('kms_operations_total{dialect="jose",operation="encrypt",backend="soft",outcome="ok"} 3');
    expect(lines).toContain('kms_operation_duration_seconds_bucket{le="0.0001",dialect="jose",operation="encrypt",backend="soft"} 2');
    expect(lines).toContain('kms_operation_duration_seconds_count{dialect="ehsm",operation="list",backend="none"} 1');
  });

  it('gives the same JSON as prom-client, and keeps the default process metrics', async () => {
    const ours = new KmsMetrics();
    const ref = reference();
    for (const c of calls) {
      ours.observe(...c);
      ref.observe(...c);
    }
    const pick = async (r: Registry) => (await r.getMetricsAsJSON()).filter((m) => m.name.startsWith('kms_operation')).sort((a, b) => a.name.localeCompare(b.name));
    const norm = (ms: Awaited<ReturnType<typeof pick>>) =>
      ms.map((m) => ({ name: m.name, help: m.help, type: m.type, aggregator: m.aggregator, values: m.values.map((v) => canonical(v)).sort() }));
    expect(norm(await pick(ours.registry))).toEqual(norm(await pick(ref.registry)));
    expect(await ours.registry.metrics()).toContain('kms_process_cpu_user_seconds_total');
  });
});
