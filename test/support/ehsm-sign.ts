import { createHmac, randomBytes } from 'node:crypto';

/**
 * eHSM request signing for the TypeScript suites, written from the notes (§2.3) as the vendor's
 * server checks it: keys sorted, objects flattened, loosely-empty values skipped, no escaping;
 * base64 HMAC-SHA256 under the apikey. (test/ehsm/client.py is the independent Python client.)
 */
export function ehsmSortString(o: Record<string, unknown>): string {
  return Object.keys(o)
    .sort()
    .filter((k) => o[k] !== undefined && o[k] !== '' && o[k] !== null && o[k] !== 0 && o[k] !== false)
    .map((k) => `${k}=${o[k] && typeof o[k] === 'object' && !Array.isArray(o[k]) ? ehsmSortString(o[k] as Record<string, unknown>) : String(o[k])}`)
    .join('&');
}

/** A signed request body with a fresh timestamp and nonce. */
export function signedEhsmBody(app: { appid: string; apikey: string }, payload: Record<string, unknown>, nonce = randomBytes(12).toString('base64url')): string {
  const body: Record<string, unknown> = { appid: app.appid, timestamp: String(Date.now()), nonce, payload };
  body.sign = createHmac('sha256', app.apikey).update(ehsmSortString(body)).digest('base64');
  return JSON.stringify(body);
}
