import { createHmac, randomBytes } from 'node:crypto';

/**
 * What the load generator needs to build requests, passed from the orchestrator to the load
 * process as JSON. `static` items are fixed bodies (JOSE, Encedo: bearer tokens), picked by
 * weight and then at random; `ehsm` items are payloads whose envelope (timestamp, nonce, sign)
 * is built fresh for every request, as a real eHSM client does.
 */
export interface StaticItem {
  kind: 'static';
  weight: number;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  bodies: string[];
}

export interface EhsmItem {
  kind: 'ehsm';
  weight: number;
  action: string;
  appid: string;
  apikey: string;
  payloads: Record<string, unknown>[];
}

export type LoadItem = StaticItem | EhsmItem;

export interface LoadSpec {
  url: string;
  connections: number;
  /** Warm-up style: run for a time, requests in flight at the end are abandoned. */
  durationS?: number;
  /** Measured style: exactly this many requests, every one answered. */
  amount?: number;
  /**
   * Both in one process: a warm-up of `warmS` seconds, then (once the orchestrator says go) a
   * measured run of `measureS` seconds' worth of requests at the warm-up's rate (or `rate`), at
   * least `minAmount`, every one answered.
   */
  warmS?: number;
  measureS?: number;
  minAmount?: number;
  /** Requests per second over all connections (latency at a given load). */
  rate?: number;
  /** Count eHSM answers whose body `code` is not 200 as failures (off against the echo server). */
  checkEhsmBody?: boolean;
  items: LoadItem[];
}

export interface LoadResult {
  /** Responses received (any status). */
  answered: number;
  ok: number;
  non2xx: number;
  /** Responses whose body said the operation failed (eHSM answers 200 with `code` != 200). */
  bodyErrors: number;
  errors: number;
  timeouts: number;
  seconds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  statusCodes: Record<string, number>;
  /** Cores the load generator itself used meanwhile (it shares the machine with the server). */
  loadCores: number;
}

/**
 * eHSM's signed string (`params_sort_str`): sorted keys, values loosely equal to '' skipped,
 * objects flattened recursively, no escaping. Written here from the protocol for the bench's
 * own client, not imported from the gateway.
 */
export function ehsmSortString(params: Record<string, unknown>): string {
  return Object.keys(params)
    .sort()
    .filter((k) => {
      const v = params[k];
      return !(v === undefined || v === null || v === '' || v === 0 || v === false);
    })
    .map((k) => {
      const v = params[k] as string | number | boolean | Record<string, unknown>;
      return `${k}=${typeof v === 'object' ? ehsmSortString(v) : String(v)}`;
    })
    .join('&');
}

/** One signed eHSM request body with a fresh timestamp and nonce. */
export function ehsmBody(appid: string, apikey: string, payload: Record<string, unknown> | undefined): string {
  const timestamp = String(Date.now());
  const nonce = randomBytes(12).toString('base64url');
  const sign = createHmac('sha256', apikey).update(ehsmSortString({ appid, nonce, timestamp, payload }), 'utf8').digest('base64');
  return JSON.stringify({ appid, nonce, timestamp, payload, sign });
}
