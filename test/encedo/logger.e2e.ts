import { createECDH, createHmac, createPublicKey, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, startGateway, type Gateway } from '../support/server';
import { HemClient } from './hem-client';

/**
 * The HEM logger routes (notes §5): the Ed25519 logger key, the list of daily log files, and a
 * file whose chain verifies (first line keys it with a signed HMAC key; every line carries its
 * MAC) and which holds the events of what the client just did, failures included.
 */
const PASS = 'logger passphrase';
const b64 = (b: Buffer) => b.toString('base64');
let gw: Gateway;
let hem: HemClient;

beforeAll(async () => {
  gw = await startGateway();
  await cli(gw.dataDir, ['tenant', 'create', 'logs']);
  writeFileSync(join(gw.dataDir, 'p'), PASS);
  expect((await cli(gw.dataDir, ['credential', 'encedo', 'logs', '--passphrase-file', join(gw.dataDir, 'p')])).code).toBe(0);
  hem = new HemClient(gw.url, PASS);
}, 60000);
afterAll(async () => {
  await gw.stop();
  gw.cleanup();
});

it('returns a verifiable log of the operations, including refusals', async () => {
  // A P-256 key: every backend holds it (also the SoftHSM2 pass).
  const made = await hem.call('POST', '/api/keymgmt/create', { label: 'logged', type: 'SECP256R1', mode: 'ECDH' }, await hem.token('keymgmt:gen'));
  expect(made.status).toBe(200);
  const local = createECDH('prime256v1');
  local.generateKeys();
  const peer = b64(local.getPublicKey(undefined, 'compressed'));
  expect((await hem.use(made.body.kid, '/api/crypto/ecdh', { pubkey: peer })).status).toBe(200);
  // A token for another scope: 403, logged as a failed scope check.
  expect((await hem.call('POST', '/api/crypto/ecdh', { kid: made.body.kid, pubkey: peer }, await hem.token('keymgmt:list'))).status).toBe(403);

  const token = await hem.token('logger:get');
  expect((await hem.call('GET', '/api/logger/list', undefined, await hem.token('keymgmt:gen'))).status).toBe(403);
  const key = await hem.call('GET', '/api/logger/key', undefined, token);
  expect(key.status).toBe(200);
  const loggerKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key.body.key, 'base64').toString('base64url') }, format: 'jwk' });
  expect(verify(null, Buffer.from(key.body.nonce, 'base64'), loggerKey, Buffer.from(key.body.nonce_signed, 'base64'))).toBe(true);

  const list = await hem.call('GET', '/api/logger/list', undefined, token);
  expect(list.status).toBe(200);
  expect(list.body.total).toBe(1);
  expect(list.body.id[0]).toMatch(/^[0-9a-f]{8}$/);

  const file = await hem.call('GET', `/api/logger/${list.body.id[0]}`, undefined, token);
  expect(file.status).toBe(200);
  const headers = Object.fromEntries(file.rawHeaders.reduce<string[][]>((acc, v, i) => (i % 2 ? acc : [...acc, [v, file.rawHeaders[i + 1]]]), []));
  expect(headers['Content-Type']).toMatch(/^text\/plain/);
  const lines = file.text
    .trim()
    .split('\n')
    .map((l) => l.split('|'));
  // The first line keys the chain: its HMAC key, signed by the logger key.
  const [first, ...rest] = lines;
  expect(first.slice(2, 4)).toEqual(['0', '0']);
  const fileKey = Buffer.from(first[4], 'base64url');
  expect(verify(null, fileKey, loggerKey, Buffer.from(first[5], 'base64url'))).toBe(true);
  for (const l of lines) {
    const mac = createHmac('sha256', fileKey).update(l.slice(0, -1).join('|')).digest().subarray(0, 16).toString('base64url');
    expect(l[6]).toBe(mac);
  }
  const events = rest.map((l) => `${parseInt(l[2], 16)}/${parseInt(l[3], 16)}`);
  expect(events).toContain('20/0'); // KEY_GENERATION, OK
  expect(events).toContain('38/0'); // CRYPTO_ECDH, OK
  expect(events).toContain('12/1'); // FAILED_SCOPE_CHECK, FAILED
  const ecdh = rest.find((l) => parseInt(l[2], 16) === 38)!;
  expect(Buffer.from(ecdh[4], 'base64url').toString('hex')).toBe(made.body.kid);

  // A forged line no longer verifies.
  const forged = [...rest[0]];
  forged[3] = '1';
  expect(createHmac('sha256', fileKey).update(forged.slice(0, -1).join('|')).digest().subarray(0, 16).toString('base64url')).not.toBe(forged[6]);
  expect((await hem.call('GET', '/api/logger/00000001', undefined, token)).status).toBe(404);
});
