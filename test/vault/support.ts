import vault from 'node-vault';
import { cli, type Gateway } from '../support/server';

/**
 * Shared pieces of the Vault transit end-to-end suites: calls go through the real Vault client
 * for Node (`node-vault`) against the built gateway on loopback, and through raw fetch where a
 * test needs the status and body exactly as sent (refusals, 204s, batch statuses).
 */
export type VaultClient = vault.client;

/** A node-vault client for the gateway; lists as GET ?list=1 (node-vault's noCustomHTTPVerbs). */
export function vaultClient(gw: Gateway, token?: string): VaultClient {
  return vault({ endpoint: gw.url, token, noCustomHTTPVerbs: true });
}

/** Creates a tenant with the admin CLI and issues it a Vault token. */
export async function vaultTenant(gw: Gateway, name: string): Promise<string> {
  expect((await cli(gw.dataDir, ['tenant', 'create', name])).code).toBe(0);
  return vaultToken(gw, name);
}

export async function vaultToken(gw: Gateway, tenant: string): Promise<string> {
  const issued = await cli(gw.dataDir, ['credential', 'vault', tenant]);
  expect(issued.code).toBe(0);
  expect(issued.json.token).toMatch(/^hvs\.[A-Za-z0-9_-]{43}$/);
  return issued.json.token as string;
}

export interface RawAnswer {
  status: number;
  body: any;
}

/** One request as sent: `token` in X-Vault-Token (none when null), a JSON body when given. */
export async function raw(gw: Gateway, method: string, path: string, token: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const res = await fetch(`${gw.url}/v1/${path}`, {
    method,
    headers: { ...(token === null ? {} : { 'x-vault-token': token }), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** The status and `errors` a node-vault call failed with; fails the test if it succeeded. */
export async function refusal(p: Promise<unknown>): Promise<{ status: number; errors: string[]; body: any }> {
  let result: unknown;
  try {
    result = await p;
  } catch (err) {
    const e = err as { response?: { statusCode: number; body: any } };
    if (!e.response) throw err;
    return { status: e.response.statusCode, errors: e.response.body?.errors ?? [], body: e.response.body };
  }
  throw new Error(`the call succeeded: ${JSON.stringify(result)}`);
}

/** What a Vault refusal looks like: status and its one message (a regexp or the exact text). */
export async function expectRefusal(p: Promise<unknown>, status: number, message?: string | RegExp): Promise<void> {
  const r = await refusal(p);
  expect(r.status).toBe(status);
  if (message === undefined) return expect(r.errors).toEqual([]);
  expect(r.errors).toHaveLength(1);
  if (typeof message === 'string') expect(r.errors[0]).toBe(message);
  else expect(r.errors[0]).toMatch(message);
}

export const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64');
export const unb64 = (s: string) => Buffer.from(s, 'base64');

/** The version and bytes of a `vault:v<N>:` value. */
export function parseVersioned(value: string, url = false): { version: number; bytes: Buffer } {
  const m = /^vault:v(\d+):(.*)$/.exec(value);
  if (!m) throw new Error(`not a versioned value: ${value}`);
  return { version: Number(m[1]), bytes: Buffer.from(m[2], url ? 'base64url' : 'base64') };
}

/** The envelope every transit answer wears around `data`. */
export function expectEnvelope(body: any): void {
  expect(body).toMatchObject({ lease_id: '', renewable: false, lease_duration: 0, wrap_info: null, auth: null, mount_type: 'transit' });
  expect(body.request_id).toMatch(/^[0-9a-f-]{36}$/);
}
