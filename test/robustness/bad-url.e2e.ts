import { cli, startGateway, type Gateway } from '../support/server';

/**
 * A path Fastify cannot percent-decode (`%zz`) is refused before any route or filter runs; the
 * gateway hands it to the dialect that owns the path, so that each client reads its own error
 * shape. Paths no dialect owns keep Fastify's answer.
 */
let gw: Gateway;
let joseToken: string;
beforeAll(async () => {
  gw = await startGateway();
  expect((await cli(gw.dataDir, ['tenant', 'create', 'bad-url'])).code).toBe(0);
  joseToken = (await cli(gw.dataDir, ['credential', 'jose', 'bad-url'])).json.token;
}, 60000);
afterAll(async () => {
  await gw.stop();
  gw.cleanup();
});

async function call(path: string, init: RequestInit = {}) {
  const res = await fetch(`${gw.url}${path}`, init);
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: text ? JSON.parse(text) : null };
}

const MESSAGE = 'the request path is not valid percent-encoding';

it('answers Vault paths with {"errors": [...]} under exactly application/json', async () => {
  expect(await call('/v1/transit/keys/%zz')).toEqual({ status: 400, type: 'application/json', body: { errors: [MESSAGE] } });
});

it('answers JOSE paths with its error object, with or without a token', async () => {
  for (const headers of [{}, { authorization: `Bearer ${joseToken}` }] as Record<string, string>[]) {
    expect(await call('/v1/crypto/keys/%zz', { headers })).toMatchObject({ status: 400, body: { error: 'bad_request', description: MESSAGE } });
  }
});

it('answers Encedo paths with a bare 400', async () => {
  expect(await call('/api/keymgmt/get/%zz')).toMatchObject({ status: 400, body: null });
});

it('keeps Fastify’s answer where no dialect owns the path, and the gateway keeps serving', async () => {
  expect(await call('/nowhere/%zz')).toMatchObject({ status: 400, body: { code: 'FST_ERR_BAD_URL' } });
  expect((await call('/health/live')).status).toBe(200);
});
