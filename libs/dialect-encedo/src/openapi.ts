import { type OpenApiOperation, type Schema, dtoSchema, objectSchema, openApiDocument } from '@kms/dialect-kit';
import { LoginDto } from './dto/auth.dto';
import {
  CIPHER_BODY,
  DECAPS_BODY,
  DECRYPT_BODY,
  ECDH_BODY,
  EXDSA_BODY,
  EXDSA_VERIFY_BODY,
  HMAC_BODY,
  HMAC_VERIFY_BODY,
  MLDSA_BODY,
  MLDSA_VERIFY_BODY,
  USE_BODY,
  WRAP_BODY,
} from './dto/crypto.dto';
import { bytesSchema } from './dto/field-table';
import { CreateKeyDto, DeriveKeyDto, ImportKeyDto, SearchDto, UpdateKeyDto } from './dto/keymgmt.dto';
import { HEM_TYPES } from './key-types';
import { KID_RE, LIMITS } from './wire';

const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const b64: Schema = { type: 'string', contentEncoding: 'base64' };
const kid: Schema = { type: 'string', pattern: KID_RE.source, description: 'A KID: 32 hex digits' };
const count: Schema = { type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 0, maximum: 1_000_000_000, description: 'A non-negative integer, or its digits' };

/**
 * What class-validator's metadata cannot say of the key-management DTOs, by property: their
 * Transform turns the wire value into something else before the rules run (a type name into its
 * table entry, base64 into bytes), so the rules describe the value after, not what is sent.
 */
const WIRE: Readonly<Record<string, Schema>> = {
  type: { enum: HEM_TYPES.map((t) => t.type), description: 'A HEM key type' },
  kid,
  ext_kid: { type: ['string', 'null'], pattern: `${KID_RE.source}|^$`, description: 'The peer key (wins over pubkey); absent, null or empty is none' },
  pubkey: bytesSchema({ max: 4096 }),
  descr: { type: ['string', 'null'], description: `Base64 of at most ${LIMITS.descr} bytes, kept as sent; empty is none (update: null or empty clears it)` },
  label: { type: 'string', pattern: LIMITS.label.source, description: 'Printable ASCII, 1 to 32 characters' },
  offset: count,
  limit: count,
};

/** A DTO's schema (its required properties and rules), with the wire shape of its transformed properties (`own`: of this DTO only). */
function dto(cls: abstract new () => unknown, own: Readonly<Record<string, Schema>> = {}): Schema {
  const wire = { ...WIRE, ...own };
  const schema = dtoSchema(cls) as { properties: Record<string, Schema> };
  const properties = Object.fromEntries(
    Object.entries(schema.properties).map(([name, s]) => [name, Object.hasOwn(wire, name) ? { ...wire[name], ...(s['x-rules'] ? { 'x-rules': s['x-rules'] } : {}) } : s]),
  );
  return { ...schema, properties };
}

/** HEM's refusals are the status alone (notes §1, §6): empty body, `Content-Type: application/json`. */
const STATUSES: Readonly<Record<number, string>> = {
  400: 'The request is malformed (a field, the KID, the JSON)',
  401: 'No valid bearer token (a presented token that is not valid is 401 on every route)',
  403: "The token's scope does not open the route",
  404: 'Nothing found',
  406: 'The operation failed: unknown KID, a key of the wrong type or usage, a duplicate, a failed check',
  411: 'A POST without Content-Length',
  413: `A body above ${LIMITS.body} bytes`,
  418: 'Plain HTTP where TLS is required (keymgmt, crypto, logger)',
  500: 'A server fault',
};
const refusals = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, { ref: '#/components/responses/HemRefusal' }]));
const AUTHED = [400, 401, 403, 406, 418, 500];
const POSTED = [...AUTHED, 411, 413];

const empty = { 200: { description: 'Done: an empty body' } };
const ok = (description: string, schema: Schema) => ({ 200: { description, schema } });

const post = (path: string, operationId: string, summary: string, body: Schema, result: OpenApiOperation['responses'], extra: number[] = []): OpenApiOperation => ({
  method: 'post',
  path,
  operationId,
  summary,
  tags: [path.split('/')[2]],
  body,
  responses: { ...result, ...refusals(...POSTED, ...extra) },
});
const get = (path: string, operationId: string, summary: string, result: OpenApiOperation['responses'], extra: number[] = []): OpenApiOperation => ({
  method: 'get',
  path,
  operationId,
  summary,
  tags: [path.split('/')[2]],
  responses: { ...result, ...refusals(...AUTHED, ...extra) },
});
/** A route open without a token: its answers, and the refusals it can meet (a presented token that is not valid is still 401). */
const open = (op: OpenApiOperation, statuses: readonly number[]): OpenApiOperation => ({
  ...op,
  public: true,
  responses: { ...Object.fromEntries(Object.entries(op.responses).filter(([status]) => status.startsWith('2'))), ...refusals(...statuses) },
});
const OPEN_GET = [401, 500];
const OPEN_POST = [400, 401, 411, 413, 500];

const newKid = ok('The new key', objectSchema({ kid }, ['kid']));
const page = ok(
  'A page of at most 15 keys; page on with offset += listed',
  objectSchema(
    {
      offset: int,
      deleted: { const: 0 },
      total: int,
      listed: int,
      list: { type: 'array', items: objectSchema({ kid, created: int, type: str, label: str, descr: str, updated: int }, ['kid', 'created', 'type', 'label', 'updated']) },
    },
    ['offset', 'deleted', 'total', 'listed', 'list'],
  ),
);
const verified = { 200: { description: 'Valid: an empty body (invalid is 406)' } };
const signature = ok('The signature', objectSchema({ sign: b64 }, ['sign']));
const logList = ok('The log files (one a day with events), 128 a page', objectSchema({ total: int, id: { type: 'array', items: str } }, ['total', 'id']));

/**
 * The routes of the HEM controllers (auth, system, keymgmt, crypto, logger), bodies from their
 * DTOs and field tables (the rules their pipes run). The coverage test (test/openapi.e2e.ts) holds
 * this list to the routes the gateway serves.
 */
const OPERATIONS: OpenApiOperation[] = [
  open(
    get(
      '/api/auth/token',
      'loginChallenge',
      'A login challenge',
      ok('The challenge', objectSchema({ exp: int, spk: str, jti: str, lbl: str, eid: str }, ['exp', 'spk', 'jti', 'eid'])),
    ),
    OPEN_GET,
  ),
  open(
    post('/api/auth/token', 'login', 'Log in with an eJWT over the challenge; answers a bearer token', dto(LoginDto), ok('The token', objectSchema({ token: str }, ['token']))),
    OPEN_POST,
  ),
  open(
    get(
      '/api/system/status',
      'status',
      'Device status',
      ok('Status', objectSchema({ ctx: int, uptime: int, temp: int, fls_state: int, ts: { type: 'string', format: 'date-time' }, time: int, https: { type: 'boolean' } })),
    ),
    OPEN_GET,
  ),
  open(get('/api/system/version', 'version', 'Firmware and hardware versions', ok('Versions', objectSchema({ hwv: str, fwv: str, fwk: str, fws: str, blv: str }))), OPEN_GET),
  open(get('/api/system/checkin', 'checkinStart', 'Check-in, first half (a stub: the clock is the host’s)', ok('The check', objectSchema({ check: b64 }, ['check']))), OPEN_GET),
  open(
    {
      ...post('/api/system/checkin', 'checkinFinish', 'Check-in, second half: any body is accepted', {}, ok('Done', objectSchema({ status: { const: 1 } }, ['status']))),
      bodyOptional: true,
    },
    OPEN_POST,
  ),
  post('/api/keymgmt/create', 'createKey', 'Generate a key', dto(CreateKeyDto), newKid),
  post('/api/keymgmt/import', 'importKey', 'Import a public key (its KID is derived from it: a re-import is 406)', dto(ImportKeyDto), newKid),
  post('/api/keymgmt/derive', 'deriveKey', 'Derive an AES or HMAC key from the ECDH secret of `kid` and a peer', dto(DeriveKeyDto), newKid),
  get('/api/keymgmt/list', 'listKeys', 'The first page of keys', page),
  get('/api/keymgmt/list/{offset}', 'listKeysFrom', 'A page of keys from `offset`', page),
  get('/api/keymgmt/list/{offset}/{count}', 'listKeysPage', 'A page of at most `count` (at most 15) keys from `offset`', page),
  {
    ...post(
      '/api/keymgmt/search',
      'searchKeys',
      'Keys whose descr holds the needle (`^` prefix, `$` suffix); token-less with allow_keysearch',
      dto(SearchDto, { descr: { type: 'string', description: 'The needle: base64 bytes, after an optional `^` (a prefix) and before an optional `$` (a suffix)' } }),
      page,
      [404],
    ),
    security: [{ bearer: [] }, {}],
    description: `404 when nothing matches. Without a token (when allow_keysearch names a tenant) the needle must be a \`^\` prefix of at least ${LIMITS.keysearchMin} bytes.`,
  },
  get(
    '/api/keymgmt/get/{kid}',
    'getKey',
    'A key: its type, public key and descr',
    ok('The key', objectSchema({ type: { enum: HEM_TYPES.map((t) => t.type) }, pubkey: b64, updated: int, descr: str }, ['type', 'updated'])),
  ),
  post('/api/keymgmt/update', 'updateKey', "Change a key's label (required) and descr", dto(UpdateKeyDto), empty),
  { method: 'delete', path: '/api/keymgmt/delete/{kid}', operationId: 'deleteKey', summary: 'Destroy a key', tags: ['keymgmt'], responses: { ...empty, ...refusals(...AUTHED) } },
  post(
    '/api/crypto/ecdh',
    'ecdh',
    'The ECDH secret with a peer (`ext_kid` or `pubkey`), hashed with `alg` if given',
    ECDH_BODY.schema(),
    ok('The secret', objectSchema({ ecdh: b64 }, ['ecdh'])),
  ),
  post(
    '/api/crypto/hmac/hash',
    'hmac',
    'HMAC with a SHA key, or (ECDH mode) with the hashed secret of a peer',
    HMAC_BODY.schema(),
    ok('The MAC', objectSchema({ mac: b64 }, ['mac'])),
  ),
  post('/api/crypto/hmac/verify', 'hmacVerify', 'Verify an HMAC', HMAC_VERIFY_BODY.schema(), verified),
  post('/api/crypto/exdsa/sign', 'sign', 'ECDSA or EdDSA signature', EXDSA_BODY.schema(), signature),
  post('/api/crypto/exdsa/verify', 'verify', 'Verify an ECDSA (r‖s or DER) or EdDSA signature', EXDSA_VERIFY_BODY.schema(), verified),
  post(
    '/api/crypto/cipher/encrypt',
    'encrypt',
    'AES-ECB, -CBC or -GCM with an AES key, or (ECDH mode) with a key from the secret of a peer; the IV is the device’s',
    CIPHER_BODY.schema(),
    ok('The ciphertext, with the IV (CBC, GCM) and tag (GCM)', objectSchema({ ciphertext: b64, iv: b64, tag: b64 }, ['ciphertext'])),
  ),
  post('/api/crypto/cipher/decrypt', 'decrypt', 'Decrypt AES-ECB, -CBC or -GCM', DECRYPT_BODY.schema(), ok('The plaintext', objectSchema({ plaintext: b64 }, ['plaintext']))),
  post('/api/crypto/cipher/wrap', 'wrap', 'AES key wrap (RFC 3394, default IV)', WRAP_BODY.schema(), ok('The wrapped key', objectSchema({ wrapped: b64 }, ['wrapped']))),
  post(
    '/api/crypto/cipher/unwrap',
    'unwrap',
    'AES key unwrap (RFC 3394, default IV)',
    WRAP_BODY.schema(),
    ok('The unwrapped key', objectSchema({ unwrapped: b64 }, ['unwrapped'])),
  ),
  post(
    '/api/crypto/pqc/mlkem/encaps',
    'mlkemEncapsulate',
    'ML-KEM encapsulation',
    USE_BODY.schema(),
    ok('The shared secret and its ciphertext', objectSchema({ alg: str, ss: b64, ct: b64 }, ['alg', 'ss', 'ct'])),
  ),
  post(
    '/api/crypto/pqc/mlkem/decaps',
    'mlkemDecapsulate',
    'ML-KEM decapsulation',
    DECAPS_BODY.schema(),
    ok('The shared secret', objectSchema({ alg: str, ss: b64 }, ['alg', 'ss'])),
  ),
  post('/api/crypto/pqc/mldsa/sign', 'mldsaSign', 'ML-DSA signature', MLDSA_BODY.schema(), ok('The signature', objectSchema({ alg: str, sign: b64 }, ['alg', 'sign']))),
  post('/api/crypto/pqc/mldsa/verify', 'mldsaVerify', 'Verify an ML-DSA signature', MLDSA_VERIFY_BODY.schema(), verified),
  get(
    '/api/logger/key',
    'loggerKey',
    'The log signing key, with a signed nonce',
    ok('The key', objectSchema({ key: b64, nonce: b64, nonce_signed: b64 }, ['key', 'nonce', 'nonce_signed'])),
  ),
  get('/api/logger/list', 'loggerList', 'The first page of log files', logList),
  get('/api/logger/list/{offset}', 'loggerListFrom', 'A page of log files from `offset`', logList),
  get('/api/logger/{id}', 'loggerRead', 'One log file: signed lines of the day’s events', { 200: { description: 'The log file', schema: str, contentType: 'text/plain' } }, [404]),
];

/** The Encedo HEM dialect's document. */
export function encedoOpenApi(version: string): Schema {
  return openApiDocument({
    title: 'Encedo HEM dialect',
    version,
    description:
      'The Encedo HEM REST API (firmware 1.2.2) as this gateway serves it (docs/encedo.md). The key-management, crypto and logger routes take a bearer token from ' +
      '`POST /api/auth/token`, whose scope opens each route (`keymgmt:use:<kid>` for the crypto routes). Binary fields are base64, standard or URL-safe, padding optional. ' +
      `Every refusal is the status alone, with an empty body: ${Object.entries(STATUSES)
        .map(([s, why]) => `${s} ${why}`)
        .join('; ')}.`,
    operations: OPERATIONS,
    components: {
      responses: { HemRefusal: { description: 'A refusal: the status alone, an empty body (`Content-Type: application/json`)' } },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token of POST /api/auth/token' } },
    },
    security: [{ bearer: [] }],
    tags: [
      { name: 'auth', description: 'Local login' },
      { name: 'system', description: 'Open system routes' },
      { name: 'keymgmt', description: 'Key management' },
      { name: 'crypto', description: 'Key use' },
      { name: 'logger', description: 'The signed event log' },
    ],
  });
}
