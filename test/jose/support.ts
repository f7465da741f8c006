import { cli, startGateway, type Gateway } from '../support/server';

export const VECTORS = `${__dirname}/../../../shared/jose-vectors`;

export interface JoseClient {
  gw: Gateway;
  token: string;
  call(path: string, body?: unknown, opts?: { method?: string; token?: string | null; raw?: string }): Promise<{ status: number; json: any; text: string }>;
  /** A POST that must answer 200; its JSON. */
  ok(path: string, body: unknown): Promise<any>;
  close(): Promise<void>;
}

/** A real gateway with a tenant and a bearer token issued by the admin CLI. */
export async function joseGateway(env: Record<string, string> = {}, tenant = 'jose-tests'): Promise<JoseClient> {
  const gw = await startGateway(env);
  const made = await cli(gw.dataDir, ['tenant', 'create', tenant]);
  if (made.code !== 0) throw new Error(made.stderr);
  const { token } = (await cli(gw.dataDir, ['credential', 'jose', tenant])).json;
  const client: JoseClient = {
    gw,
    token,
    async call(path, body, opts = {}) {
      const headers: Record<string, string> = {};
      const bearer = opts.token === undefined ? token : opts.token;
      if (bearer) headers.authorization = `Bearer ${bearer}`;
      let payload: string | undefined = opts.raw;
      if (payload === undefined && body !== undefined && body !== null) payload = JSON.stringify(body);
      if (payload !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${gw.url}${path}`, { method: opts.method ?? 'POST', headers, body: payload });
      const text = await res.text();
      let json: unknown = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        // not JSON
      }
      return { status: res.status, json, text };
    },
    async ok(path, body) {
      const res = await client.call(path, body);
      if (res.status !== 200) throw new Error(`${path} answered ${res.status} ${res.text}`);
      return res.json;
    },
    async close() {
      await gw.stop();
      gw.cleanup();
    },
  };
  return client;
}

export const b64u = (b: Buffer | string) => Buffer.from(b).toString('base64url');
export const fromB64u = (s: string) => Buffer.from(s, 'base64url');

/** A key's audit trail for the JOSE test tenant, newest first, as `operation outcome` lines. */
export const auditOf = async (c: JoseClient, kid: string) =>
  ((await cli(c.gw.dataDir, ['audit', '--tenant', 'jose-tests', '--key', kid, '--limit', '50'])).json as Array<{ operation: string; outcome: string }>).map(
    (r) => `${r.operation} ${r.outcome}`,
  );
