import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HemClient } from '../encedo/hem-client';
import { signedEhsmBody } from '../support/ehsm-sign';
import { cli, startGateway, type Gateway } from '../support/server';

/**
 * Malformed input on every route of every dialect: random JSON of the wrong shapes, types and
 * sizes, with valid credentials so the input reaches the handlers. No answer may be a 5xx (eHSM
 * answers HTTP 200 with its envelope, never its catch-all "Server internal error"), and the
 * process must still be serving afterwards. Seeded, so a failure replays.
 */
let seed = 0x5eed;
const rand = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
const FIELDS = ['kid', 'alg', 'enc', 'data', 'aad', 'protected', 'iv', 'ciphertext', 'tag', 'encrypted_key', 'signature', 'mac', 'kty', 'crv', 'k', 'd', 'n', 'e', 'bits',
  'keyid', 'plaintext', 'keyspec', 'origin', 'keyusage', 'message', 'message_type', 'digest_mode', 'padding_mode', 'keylen', 'secretName', 'secretData', 'versionId',
  'msg', 'type', 'label', 'descr', 'pubkey', 'ext_kid', 'sign', 'ctx', 'mode'];
function value(depth = 0): unknown {
  switch (Math.floor(rand() * 12)) {
    case 0: return null;
    case 1: return Math.floor(rand() * 2 ** 31) * (rand() < 0.5 ? -1 : 1);
    case 2: return rand() < 0.5;
    case 3: return 'A'.repeat(Math.floor(rand() * 9000));
    case 4: return pick(['', '=', '!!', 'dGVzdA', 'dGVzdB', 'AAAA', '../../etc/passwd', '\u0000', '{"$ne":null}', 'EH_AES_GCM_256', 'A256GCM', 'RS256', 'none', 'dir', 'SECP256R1', 'AES256-GCM']);
    case 5: return depth < 3 ? Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1)) : [];
    case 6: return depth < 3 ? object(depth + 1) : {};
    case 7: return Buffer.from(Array.from({ length: 40 }, () => Math.floor(rand() * 256))).toString('base64');
    case 8: return '00000000-0000-4000-8000-000000000000';
    case 9: return 'ffffffffffffffffffffffffffffffff';
    case 10: return 1e308;
    default: return String(rand());
  }
}
function object(depth = 0): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(rand() * 8); i > 0; i--) o[pick(FIELDS)] = value(depth);
  return o;
}
function body(): string {
  const r = rand();
  if (r < 0.05) return '{"unterminated": ';
  if (r < 0.1) return JSON.stringify(value());
  return JSON.stringify(object());
}

let gw: Gateway;
let jose: string;
let app: { appid: string; apikey: string };
let hemToken: (scope: string) => Promise<string>;

beforeAll(async () => {
  gw = await startGateway();
  await cli(gw.dataDir, ['tenant', 'create', 'fuzz']);
  jose = (await cli(gw.dataDir, ['credential', 'jose', 'fuzz'])).json.token;
  app = (await cli(gw.dataDir, ['credential', 'ehsm', 'fuzz'])).json;
  writeFileSync(join(gw.dataDir, 'p'), 'fuzz pass');
  await cli(gw.dataDir, ['credential', 'encedo', 'fuzz', '--passphrase-file', join(gw.dataDir, 'p')]);
  const hem = new HemClient(gw.url, 'fuzz pass');
  hemToken = (scope) => hem.token(scope);
}, 60000);
afterAll(async () => {
  await gw.stop();
  gw.cleanup();
});

const send = (path: string, payload: string, headers: Record<string, string>) =>
  fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });

it('JOSE routes never answer 5xx to malformed bodies', async () => {
  for (const route of ['keys', 'keys/unwrap', 'encrypt', 'decrypt', 'sign', 'verify', 'mac']) {
    for (let i = 0; i < 60; i++) {
      const payload = body();
      const res = await send(`/v1/crypto/${route}`, payload, { authorization: `Bearer ${jose}` });
      const json = (await res.json().catch(() => null)) as { error?: string } | null;
      expect([route, payload.slice(0, 200), res.status < 500]).toEqual([route, payload.slice(0, 200), true]);
      if (res.status !== 200) expect(json?.error).toEqual(expect.any(String));
    }
  }
}, 120000);

it('eHSM actions answer their envelope, never the catch-all, to malformed signed requests', async () => {
  const actions = ['CreateKey', 'Encrypt', 'Decrypt', 'GenerateDataKey', 'Sign', 'Verify', 'AsymmetricEncrypt', 'AsymmetricDecrypt', 'GetPublicKey', 'ExportDataKey', 'CreateSecret', 'GetSecretValue', 'DeleteSecret', 'ImportKeyMaterial', 'UploadQuotePolicy'];
  for (const action of actions) {
    for (let i = 0; i < 30; i++) {
      const payload = object();
      const res = await send(`/ehsm?Action=${action}`, signedEhsmBody(app, payload, `n${i}-${rand()}`), {});
      expect(res.status).toBe(200);
      const json = (await res.json()) as { code: number; message: string };
      expect([action, JSON.stringify(payload).slice(0, 200), json.message]).not.toEqual([action, JSON.stringify(payload).slice(0, 200), 'Server internal error, please contact the administrator.']);
      expect(typeof json.message).toBe('string');
    }
  }
}, 120000);

it('Encedo routes never answer 5xx to malformed bodies', async () => {
  const token = await hemToken('keymgmt:gen');
  for (const route of ['keymgmt/create', 'keymgmt/import', 'keymgmt/search', 'keymgmt/update', 'crypto/ecdh', 'crypto/hmac/hash', 'crypto/hmac/verify', 'crypto/exdsa/sign', 'crypto/cipher/encrypt', 'crypto/cipher/decrypt', 'crypto/cipher/wrap']) {
    for (let i = 0; i < 40; i++) {
      const payload = body().slice(0, 7000);
      const res = await send(`/api/${route}`, payload, { authorization: `Bearer ${token}` });
      expect([route, payload.slice(0, 200), res.status < 500]).toEqual([route, payload.slice(0, 200), true]);
    }
  }
}, 120000);

it('is still serving', async () => {
  expect((await fetch(`${gw.url}/health/ready`)).status).toBe(200);
  const out = gw.output();
  expect(out).not.toMatch(/"level":(50|60)/); // no error or fatal log lines
});
