import { createHmac, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JSON_LIMITS } from '../../apps/gateway/src/json-limits';
import { MSG } from '../../libs/dialect-ehsm/src/envelope';
import { HemClient } from '../encedo/hem-client';
import { ehsmSortString, signedEhsmBody } from '../support/ehsm-sign';
import { cli, startGateway, type Gateway } from '../support/server';

/**
 * Malformed input on every route of every dialect: random JSON of the wrong shapes, types and
 * sizes, with valid credentials and real keys so the input reaches the handlers; JSON nested or
 * sized past the gateway's limits. No answer may be an internal error: no 5xx from JOSE or
 * Encedo, and never eHSM's catch-all (it answers HTTP 200 with `code` in its envelope). The
 * process must still be serving afterwards, with no error in its log. Seeded, so a failure replays.
 */
const EHSM_INTERNAL = MSG.internal;

/** KMS_FUZZ_SEED explores other inputs; KMS_FUZZ_ROUNDS multiplies the random requests per route. */
let seed = Number(process.env.KMS_FUZZ_SEED ?? 0x5eed);
const ROUNDS = Number(process.env.KMS_FUZZ_ROUNDS ?? 1);
const rand = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const FIELDS = [
  'kid',
  'alg',
  'enc',
  'data',
  'aad',
  'protected',
  'iv',
  'ciphertext',
  'tag',
  'encrypted_key',
  'signature',
  'mac',
  'kty',
  'crv',
  'k',
  'd',
  'n',
  'e',
  'bits',
  'keyid',
  'plaintext',
  'keyspec',
  'origin',
  'keyusage',
  'message',
  'message_type',
  'digest_mode',
  'padding_mode',
  'keylen',
  'secretName',
  'secretData',
  'versionId',
  'msg',
  'type',
  'label',
  'descr',
  'pubkey',
  'ext_kid',
  'sign',
  'ctx',
  'mode',
  'ct',
  'epk',
  'x',
  'y',
];
/** Names that an ordinary object answers for without holding them: a table lookup by a client's name must not find them. */
const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'prototype'];
/** Algorithm and type names the dialects know (and a few they do not), so that fuzzed requests pass the first checks. */
const NAMES = [
  'A128GCM',
  'A256GCM',
  'A128CBC-HS256',
  'A256CBC-HS512',
  'dir',
  'RSA-OAEP',
  'RSA-OAEP-256',
  'RSA1_5',
  'A128KW',
  'A256KW',
  'ECDH-ES',
  'ECDH-ES+A128KW',
  'ECDH-ES+A256KW',
  'RS256',
  'PS256',
  'ES256',
  'ES512',
  'EdDSA',
  'MLDSA44',
  'HS256',
  'HS512',
  'none',
  'oct',
  'RSA',
  'EC',
  'OKP',
  'P-256',
  'P-521',
  'X25519',
  'Ed25519',
  'secp256k1',
  'SHA2-256',
  'SHA3-512',
  'AES256-GCM',
  'AES128-CBC',
  'AES256-ECB',
  'AES256',
  'SHA256WithECDSA',
  'Ed25519ph',
  'Ed25519ctx',
  'SECP256R1',
  'CURVE25519',
  'ED25519',
  'MLKEM512',
  'EH_AES_GCM_256',
  'EH_RSA_PKCS1',
  'EH_SHA_256',
  ...PROTOTYPE_NAMES,
];

/** Kids the random values name: real keys of the dialect under test (set per test), so requests reach the handlers. */
let kids: string[] = [];
const b64u = (s: string) => Buffer.from(s).toString('base64url');
/** Random bytes of n, or all zeros (a low-order point, an empty key), as base64 or base64url. */
const bytes = (n: number, encoding: BufferEncoding = pick(['base64', 'base64url'])) =>
  (rand() < 0.15 ? Buffer.alloc(n) : Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)))).toString(encoding);
const SIZES = [0, 1, 8, 12, 16, 24, 31, 32, 33, 48, 56, 57, 64, 65, 97, 133, 256, 800, 1312];
/** JOSE takes base64url only (anything else is an early 400). */
const bytesU = (n: number = pick(SIZES)) => bytes(n, 'base64url');
const someBytes = () => bytes(pick(SIZES));

function value(depth = 0): unknown {
  switch (Math.floor(rand() * 14)) {
    case 0:
      return null;
    case 1:
      return Math.floor(rand() * 2 ** 31) * (rand() < 0.5 ? -1 : 1);
    case 2:
      return rand() < 0.5;
    case 3:
      return 'A'.repeat(Math.floor(rand() * 9000));
    case 4:
      return pick(['', '=', '!!', 'dGVzdA', 'dGVzdB', 'AAAA', '../../etc/passwd', '\u0000', '{"$ne":null}', ...NAMES]);
    case 5:
      return depth < 3 ? Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1)) : [];
    case 6:
      return depth < 3 ? object(depth + 1) : {};
    case 7:
      return someBytes();
    case 8:
      return kids.length && rand() < 0.8 ? pick(kids) : '00000000-0000-4000-8000-000000000000';
    case 9:
      return 'ffffffffffffffffffffffffffffffff';
    case 10:
      return 1e308;
    case 11:
      return pick(NAMES);
    // A JOSE protected header naming a real key and known (or prototype) algorithms.
    case 12:
      return b64u(
        JSON.stringify({
          alg: pick(NAMES),
          enc: pick(NAMES),
          ...(rand() < 0.8 ? { kid: kids.length ? pick(kids) : 'k' } : {}),
          ...(rand() < 0.3 ? { epk: value(depth + 1) } : {}),
        }),
      );
    default:
      return String(rand());
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

/** Mostly a name the route knows, sometimes any name (prototype names included). */
const named = (pool: readonly string[]) => (rand() < 0.85 ? pick(pool) : pick(NAMES));

/**
 * A plausible request (a real kid, names the route knows, base64 of likely sizes) with a few
 * fields replaced by random values, dropped, or added: deep enough to reach the operations
 * behind the first checks.
 */
function mutated(template: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(template)) {
    const r = rand();
    if (r < 0.05) continue;
    out[k] = r < 0.15 ? value(1) : v;
  }
  if (rand() < 0.1) out[pick(FIELDS)] = value(1);
  return out;
}

const JWE_ALGS = ['dir', 'RSA-OAEP', 'RSA-OAEP-256', 'RSA1_5', 'A128KW', 'A256KW', 'ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A256KW'];
const JWE_ENCS = ['A128GCM', 'A192GCM', 'A256GCM', 'A128CBC-HS256', 'A192CBC-HS384', 'A256CBC-HS512'];
const JWS_ALGS = ['RS256', 'PS256', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'MLDSA44'];
const MAC_ALGS = ['HS256', 'HS384', 'HS512'];
/** An ECDH-ES `epk`: a real public key on some curve, a low-order X25519 point, or junk. */
function epk(): unknown {
  const r = rand();
  if (r < 0.5) {
    const { publicKey } = pick([
      () => generateKeyPairSync('ec', { namedCurve: 'P-256' }),
      () => generateKeyPairSync('ec', { namedCurve: 'P-384' }),
      () => generateKeyPairSync('x25519'),
    ])();
    return publicKey.export({ format: 'jwk' });
  }
  if (r < 0.7) return { kty: 'OKP', crv: 'X25519', x: Buffer.alloc(32).toString('base64url') };
  return { kty: pick(['EC', 'OKP', ...PROTOTYPE_NAMES]), crv: pick(NAMES), x: bytesU(32), y: bytesU(32) };
}
const joseHeader = (algs: readonly string[]) =>
  b64u(
    JSON.stringify({
      alg: named(algs),
      enc: named(JWE_ENCS),
      kid: pick(kids),
      ...(rand() < 0.5 ? { epk: epk() } : {}),
      ...(rand() < 0.2 ? { apu: bytesU(8), apv: bytesU(8) } : {}),
    }),
  );
const JOSE_TEMPLATES: Record<string, () => Record<string, unknown>> = {
  keys: () => ({
    kty: pick(['oct', 'EC', 'OKP', 'OKP', 'RSA', ...PROTOTYPE_NAMES]),
    alg: named([...JWE_ALGS, ...JWE_ENCS, ...JWS_ALGS, ...MAC_ALGS]),
    crv: named(['P-256', 'P-384', 'P-521', 'Ed25519', 'X25519']),
    ...(rand() < 0.3 ? { [pick(['k', 'd'])]: bytesU(32) } : {}),
  }),
  'keys/unwrap': () => ({
    protected: joseHeader(['RSA-OAEP', 'RSA-OAEP-256', ...JWE_ALGS]),
    encrypted_key: bytesU(pick([0, 16, 256, 384])),
    ...(rand() < 0.3 ? { kid: pick(kids) } : {}),
  }),
  encrypt: () => ({ kid: pick(kids), alg: named(JWE_ALGS), enc: named(JWE_ENCS), data: bytesU(), ...(rand() < 0.3 ? { aad: bytesU() } : {}) }),
  decrypt: () => ({
    protected: joseHeader(JWE_ALGS),
    encrypted_key: bytesU(pick([0, 24, 40, 72, 256])),
    iv: bytesU(pick([12, 16])),
    ciphertext: bytesU(),
    tag: bytesU(pick([16, 24, 32])),
    ...(rand() < 0.3 ? { kid: pick(kids) } : {}),
  }),
  sign: () => ({ kid: pick(kids), alg: named(JWS_ALGS), data: bytesU() }),
  verify: () => ({
    protected: b64u(JSON.stringify({ alg: named(JWS_ALGS), kid: pick(kids) })),
    data: bytesU(),
    signature: bytesU(pick([0, 63, 64, 96, 132, 256, 2420])),
    ...(rand() < 0.3 ? { kid: pick(kids) } : {}),
  }),
  mac: () => ({ kid: pick(kids), alg: named(MAC_ALGS), data: bytesU(), ...(rand() < 0.5 ? { mac: bytesU(pick([0, 32, 48, 64])) } : {}) }),
};

const HEM_HASHES = ['SHA2-256', 'SHA2-384', 'SHA2-512', 'SHA3-256', 'SHA3-512'];
const hemPeer = () => (rand() < 0.6 ? { pubkey: bytes(pick([32, 33, 56, 57, 65, 97, 133])) } : { ext_kid: pick(kids) });
const HEM_TYPES = [
  'SECP256R1',
  'SECP384R1',
  'SECP521R1',
  'SECP256K1',
  'CURVE25519',
  'CURVE448',
  'ED25519',
  'ED448',
  'SHA2-256',
  'SHA3-512',
  'AES128',
  'AES256',
  'MLKEM512',
  'MLDSA44',
];
const hemNewKey = () => ({
  label: pick(['fuzz', '', 'x'.repeat(33), '\u0000']),
  type: named(HEM_TYPES),
  ...(rand() < 0.5 ? { mode: pick(['ECDH', 'ExDSA', 'ECDH,ExDSA', 'junk']) } : {}),
  ...(rand() < 0.3 ? { descr: bytes(pick([0, 8, 64, 65])) } : {}),
});
/** Key management routes and the token scope each needs. */
const HEM_KEY_TEMPLATES: Record<string, { scope: string; make: () => Record<string, unknown> }> = {
  'keymgmt/create': { scope: 'keymgmt:gen', make: hemNewKey },
  'keymgmt/import': { scope: 'keymgmt:imp', make: () => ({ ...hemNewKey(), pubkey: bytes(pick([0, 32, 33, 56, 57, 65, 97, 133, 800, 1312])) }) },
  'keymgmt/derive': { scope: 'keymgmt:derive', make: () => ({ ...hemNewKey(), kid: pick(kids), ...hemPeer() }) },
  'keymgmt/search': {
    scope: 'keymgmt:list',
    make: () => ({ descr: pick(['^', '', '$']) + bytes(pick([0, 4, 6, 64, 65])), ...(rand() < 0.3 ? { offset: value(1), limit: value(1) } : {}) }),
  },
  'keymgmt/update': {
    scope: 'keymgmt:upd',
    make: () => ({ kid: pick(kids), label: pick(['fuzz', '', 'x'.repeat(33)]), ...(rand() < 0.5 ? { descr: bytes(pick([0, 8, 65])) } : {}) }),
  },
};
const HEM_TEMPLATES: Record<string, () => Record<string, unknown>> = {
  'crypto/ecdh': () => ({ ...hemPeer(), ...(rand() < 0.7 ? { alg: named(HEM_HASHES) } : {}) }),
  'crypto/hmac/hash': () => ({ msg: someBytes(), alg: named(HEM_HASHES), ...(rand() < 0.5 ? hemPeer() : {}) }),
  'crypto/hmac/verify': () => ({ msg: someBytes(), mac: bytes(pick([32, 48, 64])), alg: named(HEM_HASHES), ...(rand() < 0.5 ? hemPeer() : {}) }),
  'crypto/exdsa/sign': () => ({
    msg: someBytes(),
    alg: named(['SHA256WithECDSA', 'SHA384WithECDSA', 'SHA512WithECDSA', 'Ed25519', 'Ed25519ph', 'Ed25519ctx', 'Ed448']),
    ...(rand() < 0.5 ? { ctx: bytes(pick([0, 1, 16, 255, 256])) } : {}),
  }),
  'crypto/exdsa/verify': () => ({
    msg: someBytes(),
    alg: named(['SHA256WithECDSA', 'Ed25519', 'Ed25519ph', 'Ed25519ctx']),
    sign: bytes(pick([0, 2, 64, 70, 71, 72, 114])),
    ...(rand() < 0.5 ? { ctx: bytes(pick([0, 16])) } : {}),
  }),
  'crypto/cipher/encrypt': () => ({
    msg: bytes(pick([0, 1, 16, 32, 2048])),
    alg: named(['AES256-GCM', 'AES256-CBC', 'AES256-ECB', 'AES128-GCM', 'AES128-CBC', 'AES192-ECB']),
    ...(rand() < 0.5 ? { aad: someBytes() } : {}),
    ...(rand() < 0.4 ? { ...hemPeer(), ctx: bytes(pick([0, 8])) } : {}),
  }),
  'crypto/cipher/decrypt': () => ({
    msg: bytes(pick([0, 1, 16, 32, 48])),
    alg: named(['AES256-GCM', 'AES256-CBC', 'AES256-ECB', 'AES128-GCM']),
    iv: bytes(pick([16, 12])),
    tag: bytes(16),
    ...(rand() < 0.5 ? { aad: someBytes() } : {}),
    ...(rand() < 0.4 ? hemPeer() : {}),
  }),
  'crypto/cipher/wrap': () => ({
    msg: bytes(pick([8, 16, 24, 32, 40])),
    ...(rand() < 0.7 ? { alg: named(['AES128', 'AES192', 'AES256']) } : {}),
    ...(rand() < 0.3 ? { iv: bytes(8) } : {}),
    ...(rand() < 0.4 ? hemPeer() : {}),
  }),
  'crypto/cipher/unwrap': () => ({
    msg: bytes(pick([8, 16, 24, 32, 40])),
    ...(rand() < 0.7 ? { alg: named(['AES128', 'AES192', 'AES256']) } : {}),
    ...(rand() < 0.4 ? hemPeer() : {}),
  }),
  'crypto/pqc/mlkem/encaps': () => ({}),
  'crypto/pqc/mlkem/decaps': () => ({ ct: bytes(pick([0, 768, 1088, 1568])) }),
  'crypto/pqc/mldsa/sign': () => ({ msg: someBytes(), ...(rand() < 0.5 ? { ctx: bytes(pick([0, 1, 255, 256])) } : {}) }),
  'crypto/pqc/mldsa/verify': () => ({ msg: someBytes(), sign: bytes(pick([0, 2420, 3309])), ...(rand() < 0.5 ? { ctx: bytes(pick([0, 1, 255])) } : {}) }),
};

/**
 * JSON past the gateway's limits, built as text (JSON.stringify, and the test's own eHSM signer,
 * recurse: they would overflow here the way the gateway's request signing did).
 */
const nestedArrays = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
const nestedObjects = (levels: number) => '{"a":'.repeat(levels) + '0' + '}'.repeat(levels);
const members = (n: number) => `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}}`;
const elements = (n: number) => `[${'0,'.repeat(n - 1)}0]`;
const OVER_LIMITS: ReadonlyArray<[string, string]> = [
  ['100,000 nested arrays', nestedArrays(100_000)],
  ['100,000 nested objects', nestedObjects(100_000)],
  [`${JSON_LIMITS.depth + 1} nested objects`, nestedObjects(JSON_LIMITS.depth + 1)],
  ["3,000 nested arrays (fits Encedo's 7300-byte body)", nestedArrays(3_000)],
  [`${2 * JSON_LIMITS.items} members`, members(2 * JSON_LIMITS.items)],
  [`${2 * JSON_LIMITS.items} array elements`, elements(2 * JSON_LIMITS.items)],
];
/** A shape alone, and as one member of an otherwise plausible body (where the handlers would read it). */
const placements = (shape: string, plausible: string): string[] => [shape, `${plausible.slice(0, -1)},"x":${shape}}`];
const LIMIT_TEXT = /^Invalid request body: JSON too (deep|large): more than/;

let gw: Gateway;
let jose: string;
let app: { appid: string; apikey: string };
let hem: HemClient;
let hemToken: (scope: string) => Promise<string>;
const joseKids: string[] = [];
/** The JOSE keys by the alg they were made for (or kty and crv). */
const joseKeys: Record<string, { kid: string; kid_public?: string }> = {};
/** One Encedo key of each type the gateway holds, as 32-hex KIDs. */
const hemKids: string[] = [];

const joseCall = (path: string, b: unknown) =>
  fetch(`${gw.url}/v1/crypto/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${jose}` }, body: JSON.stringify(b) });

beforeAll(async () => {
  gw = await startGateway();
  await cli(gw.dataDir, ['tenant', 'create', 'fuzz']);
  jose = (await cli(gw.dataDir, ['credential', 'jose', 'fuzz'])).json.token;
  app = (await cli(gw.dataDir, ['credential', 'ehsm', 'fuzz'])).json;
  writeFileSync(join(gw.dataDir, 'p'), 'fuzz pass');
  await cli(gw.dataDir, ['credential', 'encedo', 'fuzz', '--passphrase-file', join(gw.dataDir, 'p')]);
  hem = new HemClient(gw.url, 'fuzz pass');
  hemToken = (scope) => hem.token(scope);
  // One key of each kind each dialect can make, for the deep fuzzing.
  for (const k of [
    { kty: 'oct', alg: 'A256GCM' },
    { kty: 'oct', alg: 'A128CBC-HS256' },
    { kty: 'oct', alg: 'HS256' },
    { kty: 'oct', alg: 'A128KW' },
    { kty: 'RSA', alg: 'RSA-OAEP-256' },
    { kty: 'RSA' },
    { kty: 'EC', crv: 'P-256', alg: 'ES256' },
    { kty: 'EC', crv: 'P-384', alg: 'ECDH-ES' },
    { kty: 'OKP', crv: 'Ed25519' },
    { kty: 'OKP', crv: 'X25519' },
    { kty: 'OKP', alg: 'MLDSA44' },
  ]) {
    const made = (await (await joseCall('keys', k)).json()) as { kid: string; kid_public?: string };
    joseKids.push(made.kid, ...(made.kid_public ? [made.kid_public] : []));
    joseKeys[k.alg ?? `${k.kty} ${k.crv ?? ''}`] = made;
  }
  const gen = await hemToken('keymgmt:gen');
  for (const [type, mode] of [
    ['AES256', undefined],
    ['AES128', undefined],
    ['SHA2-256', undefined],
    ['SECP256R1', 'ECDH,ExDSA'],
    ['SECP256K1', 'ExDSA'],
    ['CURVE25519', undefined],
    ['ED25519', undefined],
    ['MLKEM512', undefined],
    ['MLDSA44', undefined],
  ]) {
    const r = await hem.call('POST', '/api/keymgmt/create', { label: `fuzz ${type}`, type, ...(mode ? { mode } : {}) }, gen);
    if (r.status === 200) hemKids.push(r.body.kid);
  }
}, 120000);
afterAll(async () => {
  await gw.stop();
  gw.cleanup();
});

const send = (path: string, payload: string, headers: Record<string, string>) =>
  fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });

const JOSE_ROUTES = ['keys', 'keys/unwrap', 'encrypt', 'decrypt', 'sign', 'verify', 'mac'];
const EHSM_ACTIONS = [
  'CreateKey',
  'Encrypt',
  'Decrypt',
  'GenerateDataKey',
  'Sign',
  'Verify',
  'AsymmetricEncrypt',
  'AsymmetricDecrypt',
  'GetPublicKey',
  'ExportDataKey',
  'CreateSecret',
  'GetSecretValue',
  'DeleteSecret',
  'ImportKeyMaterial',
  'UploadQuotePolicy',
];
const HEM_KEY_ROUTES = ['keymgmt/create', 'keymgmt/import', 'keymgmt/search', 'keymgmt/update'];
const HEM_CRYPTO_ROUTES = [
  'crypto/ecdh',
  'crypto/hmac/hash',
  'crypto/hmac/verify',
  'crypto/exdsa/sign',
  'crypto/exdsa/verify',
  'crypto/cipher/encrypt',
  'crypto/cipher/decrypt',
  'crypto/cipher/wrap',
  'crypto/cipher/unwrap',
  'crypto/pqc/mlkem/encaps',
  'crypto/pqc/mlkem/decaps',
  'crypto/pqc/mldsa/sign',
  'crypto/pqc/mldsa/verify',
];

describe('random malformed bodies', () => {
  it('JOSE routes never answer 5xx: random bodies, and plausible requests on real keys with fields mutated', async () => {
    for (const route of JOSE_ROUTES) {
      for (let i = 0; i < 150 * ROUNDS; i++) {
        kids = joseKids;
        const payload = i % 3 ? JSON.stringify(mutated(JOSE_TEMPLATES[route]())) : body();
        const res = await send(`/v1/crypto/${route}`, payload, { authorization: `Bearer ${jose}` });
        const json = (await res.json().catch(() => null)) as { error?: string } | null;
        expect([route, payload.slice(0, 300), res.status < 500]).toEqual([route, payload.slice(0, 300), true]);
        if (res.status !== 200) expect(json?.error).toEqual(expect.any(String));
      }
    }
  }, 180000);

  it('eHSM actions answer their envelope, never the catch-all, to malformed signed requests', async () => {
    kids = [];
    for (const action of EHSM_ACTIONS) {
      for (let i = 0; i < 30 * ROUNDS; i++) {
        const payload = object();
        const res = await send(`/ehsm?Action=${action}`, signedEhsmBody(app, payload, `n${i}-${rand()}`), {});
        expect(res.status).toBe(200);
        const json = (await res.json()) as { code: number; message: string };
        expect([action, JSON.stringify(payload).slice(0, 200), json.message]).not.toEqual([action, JSON.stringify(payload).slice(0, 200), EHSM_INTERNAL]);
        expect(typeof json.message).toBe('string');
      }
    }
  }, 120000);

  it('eHSM keyid actions on real keys of every kind, fields mutated, never get the catch-all', async () => {
    const ask = async (action: string, payload: Record<string, unknown>) => {
      const res = await send(`/ehsm?Action=${action}`, signedEhsmBody(app, payload, `m${rand()}`), {});
      expect(res.status).toBe(200);
      return (await res.json()) as { code: number; message: string; result: Record<string, string> };
    };
    const made = async (keyspec: string, keyusage: string) => (await ask('CreateKey', { keyspec, origin: 'EH_INTERNAL_KEY', keyusage })).result.keyid;
    const ENC = 'EH_KEYUSAGE_ENCRYPT_DECRYPT';
    const SIG = 'EH_KEYUSAGE_SIGN_VERIFY';
    const sym = [await made('EH_AES_GCM_256', ENC), await made('EH_SM4_CBC', ENC)];
    const asym = [await made('EH_RSA_2048', ENC), await made('EH_SM2', ENC)];
    const signers = [await made('EH_RSA_2048', SIG), await made('EH_EC_P256', SIG), await made('EH_SM2', SIG), await made('EH_EC_P521', SIG)];
    const all = [...sym, ...asym, ...signers];
    const data = () => pick(['aGVsbG8=', Buffer.alloc(Math.floor(rand() * 300)).toString('base64') || 'AA==', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=']);
    const ct = (await ask('Encrypt', { keyid: sym[0], plaintext: 'aGVsbG8=', aad: 'YQ==' })).result.ciphertext;
    const dk = (await ask('GenerateDataKey', { keyid: sym[0], keylen: 32, aad: 'YQ==' })).result.ciphertext;
    const signed = (await ask('Sign', { keyid: signers[1], digest: 'aGVsbG8=' })).result.signature;
    const templates: Record<string, () => Record<string, unknown>> = {
      Encrypt: () => ({ keyid: pick(all), plaintext: data(), aad: pick(['', 'YQ==']) }),
      Decrypt: () => ({ keyid: pick(sym), ciphertext: pick([ct, dk, data()]), aad: pick(['', 'YQ==']) }),
      GenerateDataKey: () => ({ keyid: pick(all), keylen: pick([1, 16, 32, 1024]), aad: 'YQ==' }),
      Sign: () =>
        rand() < 0.5
          ? { keyid: pick(all), digest: data() }
          : {
              keyid: pick(all),
              message: data(),
              message_type: pick(['EH_RAW', 'EH_DIGEST']),
              digest_mode: pick(['EH_SHA_256', 'EH_SM3', 'EH_SHA_2_512']),
              padding_mode: pick(['EH_RSA_PKCS1', 'EH_PAD_RSA_PKCS1_PSS', 'EH_PAD_NONE']),
            },
      Verify: () => ({
        keyid: pick(all),
        digest: data(),
        signature: pick([signed, data()]),
        ...(rand() < 0.3 ? { padding_mode: 'EH_RSA_PKCS1_PSS', digest_mode: 'EH_SHA_384' } : {}),
      }),
      AsymmetricEncrypt: () => ({
        keyid: pick(all),
        plaintext: data(),
        ...(rand() < 0.5 ? { padding_mode: pick(['EH_RSA_PKCS1', 'EH_RSA_PKCS1_OAEP', 'EH_PAD_RSA_PKCS1_PSS']) } : {}),
      }),
      AsymmetricDecrypt: () => ({ keyid: pick(all), ciphertext: data(), ...(rand() < 0.5 ? { padding_mode: pick(['EH_RSA_PKCS1', 'EH_RSA_PKCS1_OAEP']) } : {}) }),
      ExportDataKey: () => ({ keyid: pick(sym), ukeyid: pick(all), olddatakey: pick([dk, ct, data()]), aad: 'YQ==' }),
      GetPublicKey: () => ({ keyid: pick(all) }),
      CreateKey: () => ({
        keyspec: pick(['EH_AES_GCM_128', 'EH_RSA_3072', 'EH_EC_P384', 'EH_HMAC', 'EH_SM2']),
        origin: pick(['EH_INTERNAL_KEY', 'EH_EXTERNAL_KEY']),
        purpose: pick(['EH_PURPOSE_SIGN_VERIFY', 'EH_PURPOSE_ENCRYPT_DECRYPT', 'x']),
        padding_mode: pick(['EH_PAD_RSA_PKCS1_OAEP', 'EH_PAD_RSA_PKCS1_PSS']),
        'digest mode': 'EH_SHA_2_384',
      }),
    };
    for (const [action, template] of Object.entries(templates)) {
      for (let i = 0; i < 25 * ROUNDS; i++) {
        const payload = mutated(template());
        const json = await ask(action, payload);
        expect([action, JSON.stringify(payload).slice(0, 300), json.message]).not.toEqual([action, JSON.stringify(payload).slice(0, 300), EHSM_INTERNAL]);
      }
    }
  }, 180000);

  it('eHSM v1 actions on real blobs of every keyspec, fields mutated, never get the catch-all', async () => {
    // v1 signs {appid, timestamp, payload} and takes the timestamp as the nonce: one per millisecond.
    let stamp = Date.now() - 60_000;
    const ask = async (action: string, payload: Record<string, unknown>) => {
      const body: Record<string, unknown> = { appid: app.appid, timestamp: String(stamp++), payload };
      body.sign = createHmac('sha256', app.apikey).update(ehsmSortString(body)).digest('base64');
      const res = await send(`/legacy/ehsm?Action=${action}`, JSON.stringify(body), {});
      expect(res.status).toBe(200);
      return (await res.json()) as { code: number; message: string; result: Record<string, string> };
    };
    const blob = async (keyspec: string) => (await ask('CreateKey', { keyspec, origin: 'EH_INTERNAL_KEY' })).result.cmk_base64;
    const sym = [await blob('EH_AES_GCM_128'), await blob('EH_AES_GCM_256'), await blob('EH_SM4')];
    const asym = [await blob('EH_RSA_3072'), await blob('EH_EC_P256'), await blob('EH_EC_P512'), await blob('EH_EC_SM2')];
    const all = [...sym, ...asym];
    const tampered = () => {
      const b = Buffer.from(pick(all), 'base64');
      b[Math.floor(rand() * b.length)] ^= 1 << Math.floor(rand() * 8);
      return b.toString('base64');
    };
    const cmk = () => (rand() < 0.1 ? tampered() : pick(all));
    const text = () => pick(['hello', 'a b+c&d=e%f', 'é中', 'x'.repeat(Math.floor(rand() * 400))]);
    const ct = (await ask('Encrypt', { cmk_base64: sym[0], plaintext: 'hi', aad: 'a' })).result.ciphertext_base64;
    const dk = (await ask('GenerateDataKey', { cmk_base64: sym[2], keylen: 16, aad: 'a' })).result.ciphertext_base64;
    const sig = (await ask('Sign', { cmk_base64: asym[1], digest: 'hi' })).result.signature_base64;
    const templates: Record<string, () => Record<string, unknown>> = {
      CreateKey: () => ({ keyspec: pick(['EH_AES_GCM_256', 'EH_RSA_4096', 'EH_EC_P512', 'EH_SM4', 'EH_RSA_2048']), origin: pick(['EH_INTERNAL_KEY', 'EXTERNAL_KEY']) }),
      Encrypt: () => ({ cmk_base64: cmk(), plaintext: text(), aad: pick(['', 'a', 'é']) }),
      Decrypt: () => ({ cmk_base64: cmk(), [pick(['ciphertext_base64', 'ciphertext'])]: pick([ct, dk, 'AAAA', Buffer.alloc(40).toString('base64')]), aad: 'a' }),
      GenerateDataKey: () => ({ cmk_base64: cmk(), keylen: pick([1, 32, 1024]), aad: 'a' }),
      GenerateDataKeyWithoutPlaintext: () => ({ cmk_base64: cmk(), keylen: 16 }),
      Sign: () => ({ cmk_base64: cmk(), digest: text() }),
      Verify: () => ({ cmk_base64: cmk(), digest: text(), signature_base64: pick([sig, 'AAAA', Buffer.alloc(384).toString('base64')]) }),
      AsymmetricEncrypt: () => ({ cmk_base64: cmk(), plaintext: text() }),
      AsymmetricDecrypt: () => ({ cmk_base64: cmk(), ciphertext_base64: pick([ct, 'AAAA', Buffer.alloc(384).toString('base64'), Buffer.alloc(120).toString('base64')]) }),
      ExportDataKey: () => ({ cmk_base64: cmk(), ukey_base64: cmk(), aad: 'a', [pick(['olddatakey_base64', 'olddatakey_base'])]: pick([dk, ct, 'AAAA']) }),
    };
    for (const [action, template] of Object.entries(templates)) {
      for (let i = 0; i < 25 * ROUNDS; i++) {
        const payload = mutated(template());
        const json = await ask(action, payload);
        expect([action, JSON.stringify(payload).slice(0, 300), json.message]).not.toEqual([action, JSON.stringify(payload).slice(0, 300), EHSM_INTERNAL]);
        expect(typeof json.message).toBe('string');
      }
    }
  }, 180000);

  it('Encedo key management routes never answer 5xx: random bodies, and plausible requests with fields mutated', async () => {
    kids = hemKids;
    for (const [route, { scope, make }] of Object.entries(HEM_KEY_TEMPLATES)) {
      const token = await hemToken(scope);
      for (let i = 0; i < 60 * ROUNDS; i++) {
        const payload = (i % 3 ? JSON.stringify(mutated(make())) : body()).slice(0, 7000);
        const res = await send(`/api/${route}`, payload, { authorization: `Bearer ${token}` });
        expect([route, payload.slice(0, 300), res.status < 500]).toEqual([route, payload.slice(0, 300), true]);
      }
    }
  }, 120000);

  it('Encedo crypto routes never answer 5xx: plausible requests on every real key (under its own scope) with fields mutated', async () => {
    kids = hemKids;
    for (const route of HEM_CRYPTO_ROUTES) {
      for (let i = 0; i < 90 * ROUNDS; i++) {
        const kid = pick(hemKids);
        const payload = JSON.stringify({ ...(i % 3 ? mutated(HEM_TEMPLATES[route]()) : object()), kid }).slice(0, 7000);
        const res = await send(`/api/${route}`, payload, { authorization: `Bearer ${await hemToken(`keymgmt:use:${kid}`)}` });
        expect([route, payload.slice(0, 300), res.status < 500]).toEqual([route, payload.slice(0, 300), true]);
      }
    }
  }, 180000);
});

it('JOSE: a name an ordinary object answers for (constructor, toString, __proto__, ...) is an unknown name, never a 500 or a 200', async () => {
  const aes = joseKeys.A256GCM.kid;
  const { kid: rsa, kid_public: rsaPublic } = joseKeys['RSA-OAEP-256'];
  const header = (h: Record<string, string>) => b64u(JSON.stringify(h));
  const jwe = { iv: 'AAAAAAAAAAAAAAAA', ciphertext: 'AA', tag: 'AAAAAAAAAAAAAAAAAAAAAA', encrypted_key: 'AAAA' };
  for (const name of PROTOTYPE_NAMES) {
    const cases: Array<[string, Record<string, unknown>, number, string]> = [
      ['keys', { kty: name }, 400, 'bad_request'],
      ['keys', { kty: 'EC', crv: name }, 400, 'bad_request'],
      ['keys', { kty: 'OKP', crv: name }, 400, 'bad_request'],
      ['keys', { kty: 'RSA', alg: name }, 400, 'bad_request'],
      ['keys', { kty: 'oct', alg: name }, 400, 'bad_request'],
      ['encrypt', { kid: aes, alg: name, enc: 'A256GCM', data: 'YQ' }, 400, 'bad_request'],
      ['encrypt', { kid: rsaPublic, alg: 'RSA-OAEP', enc: name, data: 'YQ' }, 400, 'bad_request'],
      ['decrypt', { protected: header({ alg: 'RSA-OAEP', enc: name, kid: rsa }), ...jwe }, 422, 'unsupported_algorithm'],
      ['decrypt', { protected: header({ alg: name, enc: 'A256GCM', kid: aes }), ...jwe }, 422, 'unsupported_algorithm'],
      ['keys/unwrap', { protected: header({ alg: 'RSA-OAEP', enc: name, kid: rsa }), encrypted_key: 'AAAA' }, 422, 'unsupported_algorithm'],
      ['sign', { kid: rsa, alg: name, data: 'YQ' }, 400, 'bad_request'],
      ['verify', { protected: header({ alg: name, kid: rsa }), data: 'YQ', signature: 'AAAA' }, 422, 'unsupported_algorithm'],
      ['mac', { kid: aes, alg: name, data: 'YQ' }, 400, 'bad_request'],
    ];
    for (const [route, b, status, error] of cases) {
      const res = await joseCall(route, b);
      expect([route, b, res.status, ((await res.json()) as { error: string }).error]).toEqual([route, b, status, error]);
    }
  }
});

describe(`JSON past the limits (${JSON_LIMITS.depth} levels, ${JSON_LIMITS.items} members and elements): each dialect's bad-request answer`, () => {
  it('JOSE: 400 bad_request naming the limit, on every route', async () => {
    for (const route of JOSE_ROUTES) {
      for (const [what, shape] of OVER_LIMITS) {
        for (const payload of placements(shape, JSON.stringify({ kid: joseKids[0], alg: 'dir', enc: 'A256GCM', data: 'YQ' }))) {
          const res = await send(`/v1/crypto/${route}`, payload, { authorization: `Bearer ${jose}` });
          const json = (await res.json().catch(() => null)) as { error?: string; description?: string } | null;
          expect([route, what, res.status, json?.error]).toEqual([route, what, 400, 'bad_request']);
          expect(json?.description).toMatch(LIMIT_TEXT);
        }
      }
    }
  }, 180000);

  it('eHSM (keyid and legacy paths): the envelope\'s "Invalid JSON", refused before the request signature is computed', async () => {
    const payload = JSON.stringify({ keyid: '00000000-0000-4000-8000-000000000000', plaintext: 'aGk=', aad: '', keyspec: 'EH_AES_GCM_256', origin: 'EH_INTERNAL_KEY' });
    for (const path of ['/ehsm', '/legacy/ehsm']) {
      for (const action of EHSM_ACTIONS) {
        for (const [what, shape] of OVER_LIMITS) {
          // The payload is signed over, recursively: it used to overflow the stack there. The
          // signature is not valid (the test's signer recurses too): the limit comes first.
          for (const inPayload of placements(shape, payload)) {
            const text = `{"appid":"${app.appid}","nonce":"n-${rand()}","timestamp":"${Date.now()}","payload":${inPayload},"sign":"c2lnbg=="}`;
            const res = await send(`${path}?Action=${action}`, text, {});
            expect([path, action, what, res.status, await res.json()]).toEqual([path, action, what, 200, { code: 400, message: MSG.invalidJson, result: {} }]);
          }
        }
      }
    }
  }, 240000);

  it('Encedo: 400 (empty body) within its 7300-byte body limit, 413 above it, on every POST route', async () => {
    const token = await hemToken('keymgmt:gen');
    for (const route of ['auth/token', ...HEM_KEY_ROUTES, ...HEM_CRYPTO_ROUTES, 'system/checkin']) {
      for (const [what, shape] of OVER_LIMITS) {
        for (const payload of placements(shape, JSON.stringify({ kid: hemKids[0], label: 'x', type: 'AES256' }))) {
          const res = await send(`/api/${route}`, payload, { authorization: `Bearer ${token}` });
          const expected = Buffer.byteLength(payload) > 7300 ? 413 : 400;
          expect([route, what, payload.length, res.status, await res.text()]).toEqual([route, what, payload.length, expected, '']);
        }
      }
    }
  }, 180000);

  it('a body exactly at both limits is not refused for its shape', async () => {
    // 64 levels: the body, then 63 nested objects. Members and elements: 6 + 63 + the rest.
    const levels = JSON_LIMITS.depth - 1;
    const atLimit = `{"kid":"${joseKids[0]}","alg":"dir","enc":"A256GCM","data":"YQ","x":${nestedObjects(levels)},"y":${elements(JSON_LIMITS.items - 6 - levels)}}`;
    const res = await send('/v1/crypto/encrypt', atLimit, { authorization: `Bearer ${jose}` });
    expect(res.status).toBe(200);
  });
});

it('is still serving, with no error in its log', async () => {
  expect((await fetch(`${gw.url}/health/ready`)).status).toBe(200);
  const out = gw.output();
  expect(out).not.toMatch(/"level":(50|60)/); // no error or fatal log lines
});
