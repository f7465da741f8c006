import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { auditOf, joseGateway, type JoseClient } from './jose/support';
import { RawConnection, rawExchange, rawRequest, type RawResponse } from './support/raw-http';

/**
 * The HTTP method LIST (Vault's clients list with it) in the built gateway: answered as
 * `GET <path>?list=true` through the same routes, guards, error codecs and audit, over raw sockets
 * and with Debian's Python clients (requests, hvac). apps/gateway/src/list-method.ts says how.
 */
describe('the HTTP method LIST', () => {
  let c: JoseClient;
  let kid: string;
  let bearer: Record<string, string>;
  beforeAll(async () => {
    c = await joseGateway({}, 'jose-tests');
    ({ kid } = await c.ok('/v1/crypto/keys', { kty: 'EC', crv: 'P-256', alg: 'ES256' }));
    bearer = { Authorization: `Bearer ${c.token}` };
  }, 30000);
  afterAll(() => c.close());

  /** What a client sees of a response, the date aside. */
  const seen = (r: RawResponse) => ({ status: r.status, type: r.headers['content-type'], connection: r.headers.connection, body: r.body });
  const asGet = async (path: string, headers: Record<string, string> = {}) => {
    const { responses } = await rawExchange(c.gw.url, [rawRequest('GET', path, headers)], 1);
    return seen(responses[0]);
  };

  it('answers LIST as the GET with list=true: a guarded route with and without its bearer token, and an unknown one', async () => {
    const cases: Array<[string, string, Record<string, string>]> = [
      [`/v1/crypto/keys/${kid}`, `/v1/crypto/keys/${kid}?list=true`, bearer],
      [`/v1/crypto/keys/${kid}`, `/v1/crypto/keys/${kid}?list=true`, {}],
      [`/v1/crypto/keys/${kid}`, `/v1/crypto/keys/${kid}?list=true`, { Authorization: 'Bearer kgw_not-a-token' }],
      ['/v1/transit/keys', '/v1/transit/keys?list=true', {}],
      ['/version?a=b', '/version?a=b&list=true', {}],
    ];
    for (const [listPath, getPath, headers] of cases) {
      const { responses } = await rawExchange(c.gw.url, [rawRequest('LIST', listPath, headers)], 1);
      expect(seen(responses[0])).toEqual(await asGet(getPath, headers));
    }
    const { responses } = await rawExchange(c.gw.url, [rawRequest('LIST', `/v1/crypto/keys/${kid}`, bearer), rawRequest('LIST', `/v1/crypto/keys/${kid}`)], 2);
    expect(responses.map((r) => [r.status, r.json])).toEqual([
      [200, expect.objectContaining({ kid: `${kid}_pk`, kty: 'EC', crv: 'P-256' })],
      [401, { error: 'unauthorized', description: expect.any(String) }],
    ]);
  });

  it('audits a LIST as the operation the GET is', async () => {
    const before = await auditOf(c, kid);
    await rawExchange(c.gw.url, [rawRequest('GET', `/v1/crypto/keys/${kid}?list=true`, bearer)], 1);
    const afterGet = await auditOf(c, kid);
    await rawExchange(c.gw.url, [rawRequest('LIST', `/v1/crypto/keys/${kid}`, bearer)], 1);
    const afterList = await auditOf(c, kid);
    expect(afterGet.length).toBe(before.length + 1);
    expect(afterList.length).toBe(afterGet.length + 1);
    expect(afterList[0]).toBe(afterGet[0]);
  });

  it('serves LIST on a keep-alive connection after a GET, split across packets, with a body and pipelined', async () => {
    const live = { status: 200, type: 'application/json; charset=utf-8', connection: 'keep-alive', body: '{"status":"ok"}' };
    const conn = new RawConnection(c.gw.url);
    try {
      await conn.send([rawRequest('GET', '/health/live')]);
      await conn.responses(1);
      // The headers of the LIST in several packets, as a slow client sends them.
      await conn.send(['LI', 'ST /health/', 'live HTTP/1.1\r\nHo', 'st: x\r\n', '\r\n'], 30);
      await conn.responses(2);
      await conn.send([rawRequest('LIST', '/health/live', { 'Content-Type': 'text/plain' }, 'a body to skip')]);
      await conn.responses(3);
      await conn.send([rawRequest('GET', '/health/live') + rawRequest('LIST', '/health/live?a=b') + rawRequest('GET', '/health/live')]);
      const answered = await conn.responses(6);
      expect(answered.map(seen)).toEqual(Array(6).fill(live));
      expect(conn.closed).toBe(false);
    } finally {
      conn.end();
    }
  });

  it('keeps the 400 for other unknown methods, and the 431 for oversize headers', async () => {
    for (const method of ['LISTEN', 'LOST', 'FOO']) {
      const { responses, closed } = await rawExchange(c.gw.url, [rawRequest(method, '/health/live')], 1);
      expect(responses[0]).toMatchObject({ status: 400, json: { statusCode: 400 } });
      expect(closed).toBe(true);
    }
    const big = await rawExchange(c.gw.url, [rawRequest('LIST', '/health/live', { 'X-Big': 'a'.repeat(20_000) })], 1);
    expect(big.responses[0]).toMatchObject({ status: 431 });
    expect(big.closed).toBe(true);
    // The gateway is still up and serving LIST.
    expect((await rawExchange(c.gw.url, [rawRequest('LIST', '/health/live')], 1)).responses[0].status).toBe(200);
  });

  it("serves Debian's requests and hvac sending LIST, on one keep-alive connection", async () => {
    // Debian's interpreter explicitly: python3-hvac and python3-requests are Debian packages (.ci/run).
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile('/usr/bin/python3', [join(__dirname, 'support/list-client.py'), c.gw.url, c.token, kid], { timeout: 60_000 }, (err, out, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(out),
      ),
    );
    const out = JSON.parse(stdout);
    const [get, list, getList, listNoAuth, version, getAgain] = out.session;
    expect(get).toMatchObject({ method: 'GET', status: 200, body: { status: 'ok' } });
    expect(list).toMatchObject({ method: 'LIST', status: 200, body: { kid: `${kid}_pk`, kty: 'EC' } });
    expect(list.body).toEqual(getList.body);
    expect(listNoAuth).toMatchObject({ method: 'LIST', status: 401, body: { error: 'unauthorized' } });
    expect(version).toMatchObject({ method: 'LIST', status: 200, body: { name: 'kms-gateway' } });
    expect(getAgain).toMatchObject({ method: 'GET', status: 200 });
    expect(out.sessionConnections).toBe(1);
    expect(out.hvacList).toMatchObject({ method: 'LIST', status: 200, body: { kid: `${kid}_pk` } });
    // hvac's transit list_keys sends LIST /v1/transit/keys; the answer is the GET's, whatever route serves it.
    expect(out.hvacListKeys).toMatchObject({ method: 'LIST', url: `${c.gw.url}/v1/transit/keys` });
    expect({ status: out.hvacListKeys.status, body: out.hvacListKeys.body }).toEqual({ status: out.getListKeys.status, body: out.getListKeys.body });
  });
});
