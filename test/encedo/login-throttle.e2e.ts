import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, startGateway, type Gateway } from '../support/server';
import { HemClient } from './hem-client';

/**
 * The HEM's brute-force delay (notes §2.2): failed logins answer after at least 500 ms, after
 * 1500 ms from the fourth failure in a row; a good login answers at once and resets the run.
 * Only lower bounds are asserted: this is a security delay, not a speed (a loaded machine may be
 * slower, never faster).
 */
let gw: Gateway;
let hem: HemClient;
const timed = async (fn: () => Promise<number>) => {
  const t = Date.now();
  const status = await fn();
  return { status, ms: Date.now() - t };
};

beforeAll(async () => {
  gw = await startGateway();
  await cli(gw.dataDir, ['tenant', 'create', 'throttle']);
  writeFileSync(join(gw.dataDir, 'p'), 'throttle pass');
  await cli(gw.dataDir, ['credential', 'encedo', 'throttle', '--passphrase-file', join(gw.dataDir, 'p')]);
  hem = new HemClient(gw.url, 'throttle pass');
}, 60000);
afterAll(async () => {
  await gw.stop();
  gw.cleanup();
});

it('delays failed logins, more after three in a row, and not good ones', async () => {
  const stranger = new HemClient(gw.url, 'not the passphrase');
  const fail = () => timed(async () => (await stranger.call('POST', '/api/auth/token', { auth: await stranger.ejwt('keymgmt:list') })).status);
  const delays = [];
  for (let i = 0; i < 4; i++) delays.push(await fail());
  expect(delays.map((d) => d.status)).toEqual([401, 401, 401, 401]);
  for (const d of delays.slice(0, 3)) expect(d.ms).toBeGreaterThanOrEqual(490);
  expect(delays[3].ms).toBeGreaterThanOrEqual(1490);
  const auth = await hem.ejwt('keymgmt:list');
  const good = await timed(async () => (await hem.call('POST', '/api/auth/token', { auth })).status);
  expect(good.status).toBe(200);
  expect((await fail()).ms).toBeGreaterThanOrEqual(490);
}, 60000);
