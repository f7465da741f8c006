import { createHmac } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { ACTIONS } from '../libs/dialect-ehsm/src/actions';
import { V1_ACTIONS } from '../libs/dialect-ehsm/src/legacy/v1-actions';
import { V1_ENROLL } from '../libs/dialect-ehsm/src/legacy/v1-caller-guard';
import { UNAUTHENTICATED } from '../libs/dialect-ehsm/src/unauthenticated';
import { request } from 'node:http';
import { servedOperations } from '../libs/dialect-aws/src/operations/table';
import { METHOD_OPERATIONS } from '../libs/dialect-vault/src/transit.controller';
import { vaultTenant } from './vault/support';
import { ehsmSortString, signedEhsmBody } from './support/ehsm-sign';
import { startGateway, type Gateway } from './support/server';

/**
 * The OpenAPI documents against the real gateway: each one valid OpenAPI 3.1, every route Fastify
 * serves documented (the gateway logs them at debug level), every documented route served, and
 * every operation a dispatcher serves (eHSM's `?Action=`, AWS's `X-Amz-Target`, Vault's transit
 * paths) documented.
 *
 * Vault's transit engine is one catch-all route per method (`/v1/transit/*`), dispatched by its
 * table (libs/dialect-vault/src/operations/table.ts): a method the transit controller maps to a
 * Vault operation is covered by the documented operations of that kind, and every other method
 * the catch-all takes must answer Vault's 405 over the wire, as the document says.
 */
const TRANSIT = '/v1/transit';
const LEGACY = '/legacy/ehsm';
const ADMIN_TOKEN = 'openapi-test-admin-token';

interface Doc {
  openapi: string;
  info: { title: string; description: string };
  paths: Record<string, Record<string, { parameters?: { in: string; name: string; schema?: { const?: string } }[]; responses: Record<string, unknown> }>>;
}

let gw: Gateway;
let served: Set<string>;
let index: { documents: { name: string; title: string; url: string }[] };
const docs = new Map<string, Doc>();
let vaultToken: string;
/** What the transit catch-all answered each method it takes and maps to no Vault operation. */
const unmapped = new Map<string, { status: number; body: string }>();

/** `GET /a/{b}` for Fastify's `GET /a/:b`; HEAD is Fastify's own echo of a GET. */
const routeKey = (method: string, path: string) => `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`;

beforeAll(async () => {
  gw = await startGateway({ KMS_LOG_LEVEL: 'debug', KMS_EHSM_LEGACY_PATH: LEGACY, KMS_ADMIN_TOKEN: ADMIN_TOKEN });
  const line = gw
    .output()
    .split('\n')
    .find((l) => l.includes('"msg":"routes served"'));
  expect(line).toBeDefined();
  const routes = (JSON.parse(line!) as { routes: string[] }).routes;
  served = new Set(routes.filter((r) => !r.startsWith('HEAD ')));
  index = (await (await fetch(`${gw.url}/openapi`)).json()) as typeof index;
  for (const d of index.documents) {
    const res = await fetch(`${gw.url}${d.url}`);
    expect(res.status).toBe(200);
    docs.set(d.name, (await res.json()) as Doc);
  }
  vaultToken = await vaultTenant(gw, 'openapi-probe');
  for (const route of served) {
    const method = route.split(' ', 1)[0];
    if (route.endsWith(` ${TRANSIT}/*`) && !Object.hasOwn(METHOD_OPERATIONS, method)) unmapped.set(method, await send(method, `${TRANSIT}/keys/openapi-probe`));
  }
});

/** A request by node:http, which sends any method (fetch refuses TRACE); a JSON body but to TRACE, which may have none (QUERY must have one). */
function send(method: string, path: string): Promise<{ status: number; body: string }> {
  const body = method === 'TRACE' ? '' : '{}';
  return new Promise((resolve, reject) => {
    const headers = { 'x-vault-token': vaultToken, ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}) };
    const req = request(`${gw.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The Vault operation a documented transit operation is (GET with `list` is list). */
const vaultOperation = (method: string, path: string) =>
  method === 'GET' && docs.get('vault')?.paths[path]?.get?.parameters?.some((p) => p.name === 'list') ? 'list' : METHOD_OPERATIONS[method];

/**
 * Whether a served transit catch-all route is covered: by documented transit operations of a
 * method the controller maps to the same Vault operation (PUT is POST's `update`), or by Vault's 405.
 */
function dispatched(route: string): boolean {
  const [method, url] = route.split(' ');
  if (url !== `${TRANSIT}/*`) return false;
  if (!Object.hasOwn(METHOD_OPERATIONS, method)) return unmapped.get(method)?.status === 405 && unmapped.get(method)?.body === '{"errors":["unsupported operation"]}';
  return documented().some((o) => o.path.startsWith(`${TRANSIT}/`) && METHOD_OPERATIONS[o.method] === METHOD_OPERATIONS[method]);
}

/** The catch-all route a documented path is served by, if any. */
const catchAllOf = (method: string, path: string) => [...served].find((r) => r.endsWith('/*') && r.startsWith(`${method} `) && path.startsWith(r.slice(method.length + 1, -1)));

afterAll(async () => {
  await gw?.stop();
  gw?.cleanup();
});

/** Every operation of every document: its route key and its selector (`?Action=` and the like). */
function documented(): { doc: string; route: string; method: string; path: string; statuses: string[]; selector?: { name: string; value: string } }[] {
  const out = [];
  for (const [doc, d] of docs) {
    for (const [key, item] of Object.entries(d.paths)) {
      const [path, fragment] = key.split('#');
      for (const [method, op] of Object.entries(item)) {
        const selector = fragment ? { name: fragment.split('=')[0], value: fragment.split('=')[1] } : undefined;
        if (selector) {
          // The fragment is a pseudo-path: the operation must say where the value really goes.
          expect(op.parameters?.find((p) => p.name === selector.name)?.schema?.const).toBe(selector.value);
        }
        out.push({ doc, route: routeKey(method, path), method: method.toUpperCase(), path, statuses: Object.keys(op.responses), selector });
      }
    }
  }
  return out;
}

describe('GET /openapi', () => {
  it('lists each document with its URL and title', () => {
    expect(index.documents.map((d) => d.name).sort()).toEqual(['aws', 'ehsm', 'encedo', 'jose', 'ops', 'vault']);
    for (const d of index.documents) {
      expect(d.url).toBe(`/openapi/${d.name}.json`);
      expect(d.title).toEqual(expect.any(String));
    }
  });

  it('answers an unknown document with a plain JSON 404', async () => {
    for (const path of ['/openapi/nope.json', '/openapi/ehsm', '/openapi/ehsm.yaml']) {
      const res = await fetch(`${gw.url}${path}`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual(expect.objectContaining({ statusCode: 404, message: expect.stringContaining('GET /openapi lists them') }));
    }
  });
});

describe('the documents', () => {
  it('are each valid OpenAPI 3.1', async () => {
    for (const [name, doc] of docs) {
      const result = await new Validator().validate(doc as unknown as Parameters<Validator['validate']>[0]);
      expect({ name, errors: result.errors }).toEqual({ name, errors: undefined });
      expect(result.valid).toBe(true);
      expect(doc.openapi).toBe('3.1.0');
    }
  });

  it('document every route the gateway serves', () => {
    const documentedRoutes = new Set(documented().map((o) => o.route));
    expect([...served].filter((r) => !documentedRoutes.has(r) && !dispatched(r))).toEqual([]);
    // The transit catch-all took more methods than Vault's operations: they answered 405, as documented.
    expect([...unmapped.keys()].sort()).toEqual(expect.arrayContaining(['OPTIONS', 'PATCH']));
  });

  it('document only routes the gateway serves', () => {
    expect(documented().filter((o) => !served.has(o.route) && !catchAllOf(o.method, o.path))).toEqual([]);
  });

  it("document every eHSM action each API's dispatcher serves, and no other", () => {
    const actions = (path: string) =>
      documented()
        .filter((o) => o.path === path && o.selector?.name === 'Action')
        .map((o) => `${o.method} ${o.selector!.value}`)
        .sort();
    expect(actions('/ehsm')).toEqual([...Object.keys(UNAUTHENTICATED).map((a) => `GET ${a}`), ...Object.keys(ACTIONS).map((a) => `POST ${a}`)].sort());
    expect(actions(LEGACY)).toEqual([V1_ENROLL, ...Object.keys(V1_ACTIONS)].map((a) => `POST ${a}`).sort());
  });

  it('document every AWS operation servedOperations() dispatches, and no other', () => {
    const targets = documented().filter((o) => o.selector?.name === 'X-Amz-Target');
    expect(targets.every((t) => t.route === 'POST /')).toBe(true);
    expect(targets.map((t) => t.selector!.value).sort()).toEqual(
      servedOperations()
        .map((op) => `TrentService.${op}`)
        .sort(),
    );
  });
});

describe('every documented operation is served', () => {
  /** A value for each path parameter that reaches a handler (one that may still refuse it). */
  const VALUES: Record<string, string> = { document: 'ops.json', kind: 'plaintext', alg: 'sha2-256', a: 'platform', b: '16', version: 'latest' };

  const fill = (path: string) => path.replace(/\{([^}]+)\}/g, (_, name: string) => VALUES[name] ?? 'openapi-probe');

  it('answers the plain routes with something other than 404', async () => {
    for (const op of documented().filter((o) => !o.selector)) {
      const res = await fetch(`${gw.url}${fill(op.path)}`, { method: op.method, headers: op.path === '/backends' ? { authorization: 'Bearer wrong-token-of-16+chars' } : {} });
      expect({ route: op.route, status: res.status }).not.toEqual({ route: op.route, status: 404 });
      // Vault's and Encedo's documents list each status they answer; the others say 4XX or less.
      if (op.doc === 'vault' || op.doc === 'encedo')
        expect({ route: op.route, status: res.status, documented: op.statuses.includes(String(res.status)) }).toMatchObject({ documented: true });
      await res.body?.cancel();
    }
  });

  it('answers every documented Vault transit operation through a handler: no 404 "no handler", no 405', async () => {
    const transit = documented().filter((o) => o.path.startsWith(`${TRANSIT}/`));
    const envelope = (docs.get('vault') as unknown as { components: { schemas: { Envelope: { properties: object } } } }).components.schemas.Envelope;
    expect(transit.length).toBeGreaterThan(20);
    for (const op of transit) {
      const list = vaultOperation(op.method, op.path) === 'list' ? '?list=true' : '';
      const res = await fetch(`${gw.url}${fill(op.path)}${list}`, {
        method: op.method,
        headers: { 'x-vault-token': vaultToken, 'content-type': 'application/json' },
        ...(op.method === 'POST' ? { body: '{}' } : {}),
      });
      const body = await res.text();
      expect({ route: op.route, unsupported: res.status === 405, noHandler: body.includes('no handler for route') }).toEqual({
        route: op.route,
        unsupported: false,
        noHandler: false,
      });
      // The answer has a documented status and the documented shape: the envelope, none (204), or Vault's errors.
      expect({ route: op.route, status: res.status, documented: op.statuses.includes(String(res.status)) }).toMatchObject({ documented: true });
      if (res.status === 204) expect(body).toBe('');
      else if (res.status >= 400) expect(JSON.parse(body)).toEqual({ errors: expect.any(Array) });
      else expect(Object.keys(JSON.parse(body) as object).sort()).toEqual(Object.keys(envelope.properties).sort());
    }
  });

  it('answers every documented eHSM action with an envelope other than "not found"', async () => {
    const app = ((await (await fetch(`${gw.url}/ehsm?Action=Enroll`)).json()) as { result: { appid: string; apikey: string } }).result;
    const v1 = ((await (await fetch(`${gw.url}${LEGACY}?Action=${V1_ENROLL}`, { method: 'POST' })).json()) as { result: { appid: string; appkey: string } }).result;
    for (const op of documented().filter((o) => o.selector?.name === 'Action')) {
      const url = `${gw.url}${op.path}?Action=${op.selector!.value}`;
      let body: string | undefined;
      if (op.method === 'POST' && op.path === '/ehsm') body = signedEhsmBody(app, {});
      if (op.method === 'POST' && op.path === LEGACY) body = signedV1Body(v1, { probe: 'x' });
      const res = await fetch(url, { method: op.method, ...(body ? { body, headers: { 'content-type': 'application/json' } } : {}) });
      expect(res.status).toBe(200);
      const reply = (await res.json()) as { code: number; message: string };
      // A signature refusal would hide an unserved action behind the guard.
      expect({ action: op.route + ' ' + op.selector!.value, code: reply.code, message: reply.message }).not.toEqual(expect.objectContaining({ code: 404 }));
      expect(reply.message).not.toBe('sign error');
    }
  });
});

/** v1's signature: over {appid, timestamp, payload}, no nonce (docs/ehsm.md). */
function signedV1Body(app: { appid: string; appkey: string }, payload: Record<string, unknown>): string {
  const body: Record<string, unknown> = { appid: app.appid, timestamp: String(Date.now()), payload };
  body.sign = createHmac('sha256', app.appkey).update(ehsmSortString(body)).digest('base64');
  return JSON.stringify(body);
}
