import { fastify, type FastifyInstance } from 'fastify';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RawConnection, rawExchange, rawRequest } from '../../../test/support/raw-http';
import { cameAsList, serveListMethod } from './list-method';

/**
 * The mechanism on a bare Fastify server on loopback, talked to over raw sockets, where each edge
 * of the byte stream can be placed exactly. test/list-method.e2e.ts runs it in the real gateway.
 */
describe('serveListMethod', () => {
  let app: FastifyInstance;
  let url: string;
  /** Fastify's own `request` listeners: the LIST marker is only attached while a relay awaits. */
  let requestListeners: number;
  const echo = (req: { method: string; url: string; query: unknown; ip: string; raw: Parameters<typeof cameAsList>[0] }) => ({
    method: req.method,
    url: req.url,
    query: req.query,
    ip: req.ip,
    list: cameAsList(req.raw),
  });

  beforeAll(async () => {
    app = fastify({ keepAliveTimeout: 600 });
    app.get('/echo', async (req) => echo(req));
    // Answers after a delay, so that a later LIST is read while this response is still owed.
    app.get('/slow', async (req) => {
      await new Promise((r) => setTimeout(r, 150));
      return echo(req);
    });
    serveListMethod(app.server);
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    requestListeners = app.server.listenerCount('request');
  });
  afterAll(() => app.close());

  /** The server's count of open TCP connections, once it reaches 0 or 2 s have passed. */
  const openConnections = async () => {
    const count = () => new Promise<number>((resolve, reject) => app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    const deadline = Date.now() + 2000;
    let n = await count();
    while (n > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      n = await count();
    }
    return n;
  };

  it('answers LIST as GET with list=true, keeping the query, the client address, and marks it', async () => {
    const { responses } = await rawExchange(url, [rawRequest('LIST', '/echo') + rawRequest('LIST', '/echo?a=b&c=%20d')], 2);
    expect(responses.map((r) => [r.status, r.json])).toEqual([
      [200, { method: 'GET', url: '/echo?list=true', query: { list: 'true' }, ip: '127.0.0.1', list: true }],
      [200, { method: 'GET', url: '/echo?a=b&c=%20d&list=true', query: { a: 'b', c: ' d', list: 'true' }, ip: '127.0.0.1', list: true }],
    ]);
    // The same request sent as GET is not marked.
    const get = await rawExchange(url, [rawRequest('GET', '/echo?list=true')], 1);
    expect(get.responses[0].json).toMatchObject({ url: '/echo?list=true', list: false });
  });

  it('keeps a keep-alive connection serving GETs and LISTs in any order', async () => {
    const conn = new RawConnection(url);
    const sequence = ['GET', 'LIST', 'LIST', 'GET', 'LIST', 'GET'];
    for (const [i, method] of sequence.entries()) {
      await conn.send([rawRequest(method, `/echo?n=${i}`)]);
      const answered = await conn.responses(i + 1);
      expect(answered[i]).toMatchObject({
        status: 200,
        headers: { connection: 'keep-alive' },
        json: { url: method === 'LIST' ? `/echo?n=${i}&list=true` : `/echo?n=${i}`, list: method === 'LIST' },
      });
    }
    expect(conn.closed).toBe(false);
    conn.end();
    expect(await openConnections()).toBe(0);
  });

  it('reads a LIST split at every byte, including inside the method', async () => {
    const request = rawRequest('LIST', '/echo?x=1', { 'X-Whatever': 'y' });
    const { responses } = await rawExchange(url, [...request], 1, 2);
    expect(responses).toHaveLength(1);
    expect(responses[0].json).toMatchObject({ url: '/echo?x=1&list=true', list: true });
    // Packets far enough apart that llhttp fails on a packet without the method's first bytes.
    for (const chunks of [
      ['L', 'IST /echo?y HTTP/1.1\r\nHost: a\r\n\r\n'],
      ['LI', 'ST /echo?y HTTP/1.1\r\nHost: a\r\n\r\n'],
      ['LIS', 'T', ' /ec', 'ho?y HTTP/1.1\r\nHost: a\r\n\r\n'],
    ]) {
      const split = await rawExchange(url, chunks, 1, 30);
      expect(split.responses.map((r) => r.json)).toEqual([expect.objectContaining({ url: '/echo?y&list=true', list: true })]);
    }
  });

  it('answers pipelined requests in order, a LIST read while a slower response is owed included', async () => {
    const burst = [
      rawRequest('GET', '/slow?n=0'),
      rawRequest('LIST', '/echo?n=1'),
      rawRequest('GET', '/slow?n=2'),
      rawRequest('LIST', '/echo?n=3'),
      rawRequest('GET', '/echo?n=4'),
    ];
    const { responses, closed } = await rawExchange(url, [burst.join('')], 5);
    expect(responses.map((r) => [r.status, r.json.url, r.json.list])).toEqual([
      [200, '/slow?n=0', false],
      [200, '/echo?n=1&list=true', true],
      [200, '/slow?n=2', false],
      [200, '/echo?n=3&list=true', true],
      [200, '/echo?n=4', false],
    ]);
    expect(closed).toBe(false);
  });

  it('frames a LIST with a body by its Content-Length, the request after it included', async () => {
    const { responses } = await rawExchange(
      url,
      [rawRequest('LIST', '/echo', { 'Content-Type': 'text/plain' }, 'GET /echo?smuggled HTTP/1.1\r\n\r\n'), rawRequest('GET', '/echo?after')],
      2,
    );
    expect(responses.map((r) => r.json.url)).toEqual(['/echo?list=true', '/echo?after']);
  });

  it('ends the connection after a LIST that asks for it', async () => {
    const { responses, closed } = await rawExchange(url, [rawRequest('LIST', '/echo', { Connection: 'close' })], 1);
    expect(responses[0]).toMatchObject({ status: 200, headers: { connection: 'close' }, json: { list: true } });
    expect(closed).toBe(true);
  });

  it('closes an idle relayed connection after the keep-alive timeout', async () => {
    const conn = new RawConnection(url);
    await conn.send([rawRequest('LIST', '/echo')]);
    expect((await conn.responses(1))[0].json).toMatchObject({ list: true });
    expect(await conn.whenClosed(3000)).toBe(true);
    expect(await openConnections()).toBe(0);
  });

  it('refuses other unknown methods with 400 as before, whole or split', async () => {
    for (const chunks of [
      [rawRequest('LISTEN', '/echo')],
      [rawRequest('LOST', '/echo')],
      [rawRequest('XYZ', '/echo')],
      ['LIS\r\n\r\n'],
      ['LI', 'STEN /echo HTTP/1.1\r\n\r\n'],
      ['LIST', 'EN /echo HTTP/1.1\r\n\r\n'],
      [rawRequest('GET', '/echo') + rawRequest('LISTX', '/echo')],
    ]) {
      const { responses, closed } = await rawExchange(url, chunks, chunks[0].startsWith('GET') ? 2 : 1, 20);
      expect(responses.at(-1)).toMatchObject({ status: 400, json: { error: 'Bad Request', message: 'Client Error', statusCode: 400 } });
      expect(closed).toBe(true);
    }
  });

  it('answers oversize headers with 431, and a request line without a version as Node answers GET', async () => {
    const big = await rawExchange(url, [rawRequest('LIST', '/echo', { 'X-Big': 'a'.repeat(20_000) })], 1);
    expect(big.responses[0]).toMatchObject({ status: 431, json: { statusCode: 431 } });
    const longUrl = await rawExchange(url, [rawRequest('LIST', `/echo?${'q'.repeat(20_000)}`)], 1);
    expect(longUrl.responses[0].status).toBe(431);
    // llhttp reads `GET /echo` with no version as HTTP/0.9-style: the same for LIST.
    const asGet = await rawExchange(url, ['GET /echo\r\n\r\n'], 1);
    const asList = await rawExchange(url, ['LIST /echo\r\n\r\n'], 1);
    expect(asList.responses.map((r) => [r.status, r.json.list])).toEqual(asGet.responses.map((r) => [r.status, true]));
    expect(await openConnections()).toBe(0);
  });

  it('survives clients that vanish in the middle of a LIST', async () => {
    for (const partial of ['LI', 'LIST /ec', 'LIST /echo HTTP/1.1\r\nHost: a\r\n', rawRequest('GET', '/slow') + 'LIST /echo HTTP/1.1\r\n']) {
      const conn = new RawConnection(url);
      await conn.send([partial]);
      await new Promise((r) => setTimeout(r, 30));
      conn.end();
    }
    expect(await openConnections()).toBe(0);
    expect(app.server.listenerCount('request')).toBe(requestListeners);
    const { responses } = await rawExchange(url, [rawRequest('LIST', '/echo')], 1);
    expect(responses[0].status).toBe(200);
  });

  it('marks each of several LISTs read at once, and leaves no code on the request path after', async () => {
    const slow = Array.from({ length: 3 }, () => new RawConnection(url));
    for (const conn of slow) await conn.send(['LIST /echo?slow HTTP/1.1\r\n']);
    // Meanwhile, plain requests on other connections are not marked.
    expect((await rawExchange(url, [rawRequest('GET', '/echo')], 1)).responses[0].json).toMatchObject({ list: false });
    for (const conn of slow) await conn.send(['Host: a\r\n\r\n']);
    for (const conn of slow) {
      expect((await conn.responses(1))[0].json).toMatchObject({ url: '/echo?slow&list=true', list: true });
      conn.end();
    }
    expect(app.server.listenerCount('request')).toBe(requestListeners);
  });

  it('holds no memory per LIST on a long keep-alive connection', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heapAfterGc = () => {
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };
    const conn = new RawConnection(url);
    const request = rawRequest('LIST', '/echo');
    let answered = 0;
    // One at a time: each LIST then arrives from the socket, as a client's next call does.
    const run = async (count: number) => {
      for (let i = 0; i < count; i++) {
        await conn.send([request]);
        answered += 1;
        await conn.responses(answered);
      }
    };
    await run(500);
    const before = heapAfterGc();
    await run(4000);
    const grown = heapAfterGc() - before;
    expect(await conn.responses(answered)).toHaveLength(4500);
    // Each relay kept alive would hold some 3 KB: 12 MB over these 4,000 LISTs.
    expect(grown).toBeLessThan(4_000_000);
    expect(conn.closed).toBe(false);
    conn.end();
  });
});
