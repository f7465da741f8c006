import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics. Labels are low-cardinality by design: never key ids or tenants. */
export class KmsMetrics {
  readonly registry = new Registry();
  private readonly ops: Counter<'dialect' | 'operation' | 'backend' | 'outcome'>;
  private readonly latency: Histogram<'dialect' | 'operation' | 'backend'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'kms_' });
    this.ops = new Counter({
      name: 'kms_operations_total',
      help: 'Key operations by dialect, operation, backend and outcome',
      labelNames: ['dialect', 'operation', 'backend', 'outcome'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'kms_operation_duration_seconds',
      help: 'Key operation latency, including the audit commit',
      labelNames: ['dialect', 'operation', 'backend'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
  }

  observe(dialect: string, operation: string, backend: string | null, outcome: string, seconds: number): void {
    const b = backend ?? 'none';
    this.ops.inc({ dialect, operation, backend: b, outcome });
    this.latency.observe({ dialect, operation, backend: b }, seconds);
  }
}
