import { Registry, collectDefaultMetrics, type Metric } from 'prom-client';

const OPS = { name: 'kms_operations_total', help: 'Key operations by dialect, operation, backend and outcome' };
const LATENCY = { name: 'kms_operation_duration_seconds', help: 'Key operation latency, including the audit commit' };
const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** The running totals of one (dialect, operation, backend). */
interface Series {
  labels: { dialect: string; operation: string; backend: string };
  /** Operations by outcome. */
  outcomes: Map<string, number>;
  /** Observations per bucket, not cumulative; the last one is above every bound (+Inf). */
  buckets: number[];
  sum: number;
  count: number;
}

/** A sample as prom-client's registry renders it (`metricName` defaults to the metric's name). */
interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
  /** prom-client's histogram buckets carry `exemplar: null` (exemplars are off). */
  exemplar?: null;
}

/**
 * Prometheus metrics. Labels are low-cardinality by design: never key ids or tenants.
 *
 * The two operation metrics are counted here and rendered by prom-client's registry at scrape
 * time, as a prom-client Counter and Histogram would render them. Not through those classes:
 * they hash and validate the label object on every call, labelled children included (prom-client
 * 15), which was 2% of the gateway's CPU per request in the bench profile; here an operation is
 * one map lookup and a few increments.
 */
export class KmsMetrics {
  readonly registry = new Registry();
  private readonly series = new Map<string, Series>();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'kms_' });
    this.register(OPS.name, OPS.help, 'counter', () => this.operationSamples());
    this.register(LATENCY.name, LATENCY.help, 'histogram', () => this.latencySamples());
  }

  observe(dialect: string, operation: string, backend: string | null, outcome: string, seconds: number): void {
    const b = backend ?? 'none';
    const key = `${dialect}\u0000${operation}\u0000${b}`;
    let s = this.series.get(key);
    if (!s) {
      s = { labels: { dialect, operation, backend: b }, outcomes: new Map(), buckets: new Array<number>(BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    s.outcomes.set(outcome, (s.outcomes.get(outcome) ?? 0) + 1);
    // The first bucket whose bound is >= the value, as prom-client's (le = "less or equal").
    let i = 0;
    while (i < BUCKETS.length && seconds > BUCKETS[i]) i++;
    s.buckets[i]++;
    s.sum += seconds;
    s.count++;
  }

  private operationSamples(): Sample[] {
    const out: Sample[] = [];
    for (const s of this.series.values()) for (const [outcome, n] of s.outcomes) out.push({ value: n, labels: { ...s.labels, outcome } });
    return out;
  }

  private latencySamples(): Sample[] {
    const out: Sample[] = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      BUCKETS.forEach((le, i) => {
        cumulative += s.buckets[i];
        out.push({ value: cumulative, labels: { le, ...s.labels }, metricName: `${LATENCY.name}_bucket`, exemplar: null });
      });
      out.push({ value: s.count, labels: { le: '+Inf', ...s.labels }, metricName: `${LATENCY.name}_bucket`, exemplar: null });
      out.push({ value: s.sum, labels: { ...s.labels }, metricName: `${LATENCY.name}_sum` });
      out.push({ value: s.count, labels: { ...s.labels }, metricName: `${LATENCY.name}_count` });
    }
    return out;
  }

  /** A metric the registry renders from `samples()` at each scrape (text and JSON alike). */
  private register(name: string, help: string, type: 'counter' | 'histogram', samples: () => Sample[]): void {
    const metric = { name, help, type, aggregator: 'sum', get: async () => ({ name, help, type, aggregator: 'sum', values: samples() }), reset: () => this.series.clear() };
    this.registry.registerMetric(metric as unknown as Metric);
  }
}
