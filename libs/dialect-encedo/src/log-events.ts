/**
 * HEM's audit event names (DOCS "Event types", prefix LOG_TYPE_) and results. The gateway writes
 * `<type>/<result>` into the audit row's `event` column, e.g. `LOG_TYPE_CRYPTO_ECDH/LOG_RESULT_OK`.
 */
export const LOG_TYPES = {
  KEY_INIT: 0,
  LOGGER_LIST_LOG: 9,
  LOGGER_READ_LOG: 11,
  FAILED_SCOPE_CHECK: 12,
  AUTH_SUCCESS_INTERNAL: 13,
  KEY_GENERATION: 20,
  KEY_DELETE: 21,
  KEY_IMPORT: 22,
  KEY_USAGE_PKEY: 23,
  KEY_ATTRIBUTES_CHANGED: 25,
  KEY_DERIVE: 26,
  CRYPTO_HMAC_HASH: 30,
  CRYPTO_HMAC_VERIFY: 31,
  CRYPTO_EXDSA_SIGN: 32,
  CRYPTO_EXDSA_VERIFY: 33,
  CRYPTO_WRAP: 34,
  CRYPTO_UNWRAP: 35,
  CRYPTO_ENCRYPT: 36,
  CRYPTO_DECRYPT: 37,
  CRYPTO_ECDH: 38,
  CRYPTO_PQC_MLKEM_ENCAPS: 39,
  CRYPTO_PQC_MLKEM_DECAPS: 40,
  CRYPTO_PQC_MLDSA_SIGN: 41,
  CRYPTO_PQC_MLDSA_VERIFY: 42,
} as const;
export type LogType = keyof typeof LOG_TYPES;

export type LogResult = 'OK' | 'FAILED' | 'ERROR';

export const eventName = (type: LogType, result: LogResult) => `LOG_TYPE_${type}/LOG_RESULT_${result}`;

/** DOCS per-route table: 200 → OK, 400 → ERROR, 406 (and other refusals) → FAILED. */
export function resultOfStatus(status: number): LogResult {
  if (status < 300) return 'OK';
  if (status === 400 || status >= 500) return 'ERROR';
  return 'FAILED';
}

export const LOG_RESULTS: Record<LogResult, number> = { OK: 0, FAILED: 1, ERROR: 2 };

/** `LOG_TYPE_<type>/LOG_RESULT_<result>` → the numbers of the HEM log line; null for other text. */
export function parseEventName(event: string): { type: number; result: number } | null {
  const m = /^LOG_TYPE_([A-Z0-9_]+)\/LOG_RESULT_(OK|FAILED|ERROR)$/.exec(event);
  const type = m ? LOG_TYPES[m[1] as LogType] : undefined;
  return m && type !== undefined ? { type, result: LOG_RESULTS[m[2] as LogResult] } : null;
}
