import { type OpenApiOperation, type Schema, objectSchema, openApiDocument } from '@kms/dialect-kit';
import { HASH_NAMES } from './hashes';
import { HMAC_KEY_SIZE, KEY_TYPES } from './key-types';
import type { VaultOperation } from './operations/context';
import { DATAKEY_BITS, UPSERT_TYPES } from './operations/crypto';
import { servedRoutes } from './operations/table';
import { FORMATS, MAX_BYTES, SOURCES } from './operations/utility';
import { VAULT_API_VERSION } from './sys.controller';
import { LIST_TRUE } from './transit.controller';
import { TRANSIT_MOUNT } from './wire';
import { HASH_FUNCTIONS } from './wrapping-key';

const str: Schema = { type: 'string' };
const b64 = (description: string): Schema => ({ type: 'string', contentEncoding: 'base64', description });
/** Vault reads an integer or a boolean from its text too ("2", "true"), as its field schemas do. */
const int = (description: string): Schema => ({ type: ['integer', 'string'], description });
const bool = (description: string): Schema => ({ type: ['boolean', 'string'], description });
const duration: Schema = { type: ['integer', 'string'], description: 'Seconds, or Go-style text ("24h", "90m"); 0 turns automatic rotation off, else at least an hour' };
const versioned = (what: string): Schema => ({ type: 'string', pattern: '^vault:v[0-9]+:', description: `\`vault:v<N>:\` and the ${what}` });

/** Every request field a transit handler reads, by name (docs/vault.md lists them by route). */
const FIELDS: Readonly<Record<string, Schema>> = {
  type: { enum: Object.keys(KEY_TYPES), description: 'The key type; aes256-gcm96 by default' },
  derived: bool('Per-context subkeys (HKDF-SHA256); each operation then needs `context`'),
  convergent_encryption: bool('Deterministic encryption of derived keys (needs `derived`)'),
  key_size: int(`hmac keys only: ${HMAC_KEY_SIZE.min} to ${HMAC_KEY_SIZE.max} bytes, ${HMAC_KEY_SIZE.default} by default`),
  auto_rotate_period: duration,
  exportable: bool('Lets `export` hand out the private material; once set, cannot be unset'),
  allow_plaintext_backup: bool('Kept and reported; once set, cannot be unset'),
  min_decryption_version: int('The oldest version that decrypts, verifies and exports'),
  min_encryption_version: int('The oldest version an operation may name with `key_version`; 0: any'),
  deletion_allowed: bool('Whether DELETE may destroy the key'),
  min_available_version: int('Destroy the material of the versions below (required)'),
  ciphertext: str,
  hash_function: { enum: Object.keys(HASH_FUNCTIONS), description: 'The OAEP hash of the wrapped key; SHA256 by default' },
  public_key: { type: 'string', description: 'Importing a public key alone: refused (400), not supported by this gateway' },
  allow_rotation: bool('Whether the gateway may make new versions of the imported key (rotate, auto_rotate_period)'),
  plaintext: b64('The plaintext; absent or empty is no bytes'),
  associated_data: b64('AEAD keys only: additional authenticated data'),
  context: b64('Derived keys: the derivation context (required for them, ignored otherwise)'),
  key_version: int('The version to use, within [min_encryption_version, latest]; the latest by default'),
  reference: { type: 'string', description: 'Echoed in the item of batch_results' },
  partial_failure_response_code: int('The status of a batch in which some items (not all) failed; 400 by default'),
  bits: { enum: [...DATAKEY_BITS, ...DATAKEY_BITS.map(String)], description: 'The data key size; 256 by default' },
  input: b64('The input'),
  hash_algorithm: { enum: Object.keys(HASH_NAMES), description: 'The hash; the path form wins; sha2-256 by default' },
  algorithm: { enum: Object.keys(HASH_NAMES), description: 'The hash (the path form wins); sha2-256 by default' },
  prehashed: bool('`input` is already the digest (not with ed25519 keys)'),
  marshaling_algorithm: { enum: ['asn1', 'jws'], description: 'ECDSA signature encoding; asn1 by default' },
  signature_algorithm: { enum: ['pss', 'pkcs1v15'], description: 'RSA keys: pss by default' },
  salt_length: { type: ['string', 'integer'], description: 'RSA-PSS: "auto" (default), "hash", or a number of bytes' },
  signature: versioned('signature (base64, or base64url with marshaling_algorithm jws)'),
  hmac: versioned('HMAC, base64: verify it instead of a signature'),
  source: { enum: SOURCES, description: 'All are the platform CSPRNG; platform by default' },
  bytes: int(`The number of bytes, 1 to ${MAX_BYTES}; 32 by default`),
  format: { enum: Object.keys(FORMATS), description: 'The output encoding (random: base64 by default; hash: hex)' },
};

/** A transit operation's documentation: request fields (by FIELDS name), those each batch item reads, and its `data` (null: a 204). */
interface Doc {
  id: string;
  summary: string;
  description?: string;
  fields?: readonly string[];
  required?: readonly string[];
  /** Fields of each `batch_input` item; with them the request may be a batch. */
  items?: readonly string[];
  /** Fields a path parameter stands for, by parameter: a path form with it does not read them. */
  inPath?: Readonly<Record<string, readonly string[]>>;
  data: Schema | null;
}

const keyInfo: Schema = objectSchema(
  {
    name: str,
    id: { type: 'string', format: 'uuid', description: 'The canonical key id, by which every dialect names the key' },
    type: str,
    derived: { type: 'boolean' },
    deletion_allowed: { type: 'boolean' },
    exportable: { type: 'boolean' },
    allow_plaintext_backup: { type: 'boolean' },
    latest_version: { type: 'integer' },
    min_available_version: { type: 'integer' },
    min_decryption_version: { type: 'integer' },
    min_encryption_version: { type: 'integer' },
    supports_encryption: { type: 'boolean' },
    supports_decryption: { type: 'boolean' },
    supports_signing: { type: 'boolean' },
    supports_derivation: { type: 'boolean' },
    auto_rotate_period: { type: 'integer', description: 'Seconds; 0: off' },
    imported_key: { type: 'boolean' },
    imported_key_allow_rotation: { type: 'boolean' },
    kdf: { const: 'hkdf_sha256' },
    convergent_encryption: { type: 'boolean' },
    convergent_encryption_version: { type: 'integer' },
    key_size: { type: 'integer' },
    keys: {
      type: 'object',
      description: 'Each kept version: its creation time (seconds), or for asymmetric keys its public key',
      additionalProperties: {
        oneOf: [{ type: 'integer' }, objectSchema({ name: str, public_key: str, certificate_chain: str, creation_time: { type: 'string', format: 'date-time' } })],
      },
    },
  },
  ['name', 'id', 'type', 'latest_version'],
);
const sealed = objectSchema({ ciphertext: versioned('ciphertext, base64'), key_version: { type: 'integer' } }, ['ciphertext', 'key_version']);
const KEY_FIELDS = ['type', 'derived', 'convergent_encryption', 'key_size', 'auto_rotate_period', 'exportable', 'allow_plaintext_backup'];
const BATCH = ['partial_failure_response_code'];
const SIGN_FIELDS = ['key_version', 'hash_algorithm', 'algorithm', 'prehashed', 'marshaling_algorithm', 'signature_algorithm', 'salt_length'];
const HASH_PATH = 'The optional last path segment names the hash (then the hash fields are not read).';
const HASH_IN_PATH = { alg: ['hash_algorithm', 'algorithm'] };

/**
 * Each served route template's operations (operations/table.ts); openApiVault refuses a served
 * one that is missing here, and openapi.spec.ts refuses one here that is not served.
 */
export const DOCS: Readonly<Record<string, Partial<Record<VaultOperation, Doc>>>> = {
  'keys[/]': {
    list: {
      id: 'listKeys',
      summary: "The tenant's key names",
      description: 'A 404 with no errors when there are none.',
      data: objectSchema({ keys: { type: 'array', items: str } }, ['keys']),
    },
  },
  'keys/:name': {
    read: { id: 'readKey', summary: 'Read a key', description: 'A 404 with no errors when there is none.', data: keyInfo },
    update: { id: 'createKey', summary: 'Create a key (an existing name answers it, with a warning)', fields: KEY_FIELDS, data: keyInfo },
    delete: { id: 'deleteKey', summary: 'Destroy a key (only once deletion_allowed)', data: null },
  },
  'keys/:name/config': {
    update: {
      id: 'configureKey',
      summary: "Update a key's configuration",
      fields: ['min_decryption_version', 'min_encryption_version', 'deletion_allowed', 'exportable', 'allow_plaintext_backup', 'auto_rotate_period'],
      data: keyInfo,
    },
  },
  'keys/:name/rotate': { update: { id: 'rotateKey', summary: 'Make a new latest version', data: keyInfo } },
  'keys/:name/trim': {
    update: { id: 'trimKey', summary: 'Destroy the versions below min_available_version', fields: ['min_available_version'], required: ['min_available_version'], data: keyInfo },
  },
  'keys/:name/import': {
    update: {
      id: 'importKey',
      summary: 'Import a key wrapped for the wrapping key (BYOK)',
      description: '`ciphertext` is required (`public_key` alone is refused); `convergent_encryption` is refused when present.',
      fields: [
        'ciphertext',
        'public_key',
        'hash_function',
        'type',
        'derived',
        'exportable',
        'allow_plaintext_backup',
        'auto_rotate_period',
        'allow_rotation',
        'convergent_encryption',
      ],
      data: null,
    },
  },
  'keys/:name/import_version': {
    update: { id: 'importKeyVersion', summary: 'Import a new latest version of an imported key (BYOK)', fields: ['ciphertext', 'public_key', 'hash_function'], data: null },
  },
  wrapping_key: {
    read: {
      id: 'readWrappingKey',
      summary: "The tenant's RSA-4096 wrapping key for BYOK",
      data: objectSchema({ public_key: { type: 'string', description: 'PEM SPKI' } }, ['public_key']),
    },
  },
  'encrypt/:name': {
    update: {
      id: 'encrypt',
      summary: 'Encrypt (a missing name is created first, of the AEAD `type`)',
      description: `Upsert: a name that names no key is created as \`type\` (${UPSERT_TYPES.join(', ')}), derived when the items carry a context.`,
      fields: ['plaintext', 'associated_data', 'context', 'key_version', 'type', 'convergent_encryption', ...BATCH],
      items: ['plaintext', 'associated_data', 'context', 'key_version', 'reference'],
      data: sealed,
    },
  },
  'decrypt/:name': {
    update: {
      id: 'decrypt',
      summary: 'Decrypt',
      fields: ['ciphertext', 'associated_data', 'context', ...BATCH],
      items: ['ciphertext', 'associated_data', 'context', 'reference'],
      data: objectSchema({ plaintext: b64('The plaintext') }, ['plaintext']),
    },
  },
  'rewrap/:name': {
    update: {
      id: 'rewrap',
      summary: 'Decrypt and encrypt again under the latest version (or key_version); the plaintext never leaves',
      fields: ['ciphertext', 'associated_data', 'context', 'key_version', ...BATCH],
      items: ['ciphertext', 'associated_data', 'context', 'key_version', 'reference'],
      data: sealed,
    },
  },
  'datakey/:kind/:name': {
    update: {
      id: 'generateDataKey',
      summary: 'A fresh data key sealed under the key; `kind` plaintext answers the key too, wrapped does not',
      fields: ['bits', 'key_version', 'context', 'associated_data'],
      data: objectSchema({ ...(sealed.properties as Record<string, Schema>), plaintext: b64('The data key (kind plaintext only)') }, ['ciphertext', 'key_version']),
    },
  },
  'sign/:name[/:alg]': {
    update: {
      id: 'sign',
      summary: 'Sign',
      description: HASH_PATH,
      inPath: HASH_IN_PATH,
      fields: ['input', ...SIGN_FIELDS, ...BATCH],
      items: ['input', 'reference'],
      data: objectSchema({ signature: versioned('signature'), key_version: { type: 'integer' } }, ['signature', 'key_version']),
    },
  },
  'verify/:name[/:alg]': {
    update: {
      id: 'verify',
      summary: 'Verify a signature, or (with `hmac`) an HMAC; a mismatch is valid: false',
      description: HASH_PATH,
      inPath: HASH_IN_PATH,
      fields: ['input', 'signature', 'hmac', ...SIGN_FIELDS.filter((f) => f !== 'key_version'), ...BATCH],
      items: ['input', 'signature', 'hmac', 'reference'],
      data: objectSchema({ valid: { type: 'boolean' } }, ['valid']),
    },
  },
  'hmac/:name[/:alg]': {
    update: {
      id: 'hmac',
      summary: 'HMAC (hmac keys, and AES and ChaCha20 keys through their HMAC subkey)',
      description: HASH_PATH,
      inPath: HASH_IN_PATH,
      fields: ['input', 'algorithm', 'key_version', ...BATCH],
      items: ['input', 'reference'],
      data: objectSchema({ hmac: versioned('HMAC, base64'), key_version: { type: 'integer' } }, ['hmac', 'key_version']),
    },
  },
  'random[/:a][/:b]': {
    update: {
      id: 'random',
      summary: 'Random bytes',
      description: 'The path forms are `random`, `random/<bytes>`, `random/<source>` and `random/<source>/<bytes>`: `a` is a source or a number of bytes, `b` a number of bytes.',
      fields: ['source', 'bytes', 'format'],
      inPath: { b: ['source', 'bytes'] },
      data: objectSchema({ random_bytes: str }, ['random_bytes']),
    },
  },
  'hash[/:alg]': {
    update: {
      id: 'hash',
      summary: 'A digest of `input` (no key)',
      description: HASH_PATH,
      inPath: HASH_IN_PATH,
      fields: ['input', 'algorithm', 'format'],
      required: ['input'],
      data: objectSchema({ sum: str }, ['sum']),
    },
  },
  'export/:kind/:name[/:version]': {
    read: {
      id: 'exportKey',
      summary: "Export a key's versions",
      description:
        '`kind` is encryption-key, signing-key, hmac-key or public-key; `version` is latest, `N` or `vN` (every version still decrypting without it). Private material only of an exportable key. A 404 with no errors when there is no key.',
      data: objectSchema({ name: str, type: str, keys: { type: 'object', additionalProperties: str } }, ['name', 'type', 'keys']),
    },
  },
};

/** The method each operation is documented under; PUT is served as POST, and LIST as GET with list=true. */
const METHOD: Record<VaultOperation, OpenApiOperation['method']> = { read: 'get', list: 'get', update: 'post', delete: 'delete' };

/**
 * The paths of a template: `:x` becomes `{x}`, and each optional part (`[...]`, at the end only) is
 * one more path, with the parts before it.
 */
export function expandTemplate(template: string): { path: string; suffix: string }[] {
  const [head, ...rest] = template.split('[');
  const optionals = rest.map((part) => {
    if (!part.endsWith(']')) throw new Error(`vault openapi: ${template}: text after an optional part`);
    return part.slice(0, -1);
  });
  const braces = (p: string) => p.replace(/:(\w+)/g, '{$1}');
  return optionals.reduce<{ path: string; suffix: string }[]>(
    (paths, part) => {
      const last = paths[paths.length - 1];
      const names = [...part.matchAll(/:(\w+)/g)].map((m) => m[1]);
      return [...paths, { path: last.path + braces(part), suffix: `${last.suffix}_${names.join('_') || 'slash'}` }];
    },
    [{ path: braces(head), suffix: '' }],
  );
}

const error = { ref: '#/components/responses/VaultError' } as const;
const ERRORS = { 400: error, 403: error, 404: error, 405: error, 500: error };

const envelope = (data: Schema): Schema => ({ allOf: [{ $ref: '#/components/schemas/Envelope' }, objectSchema({ data })] });

function transitOperation(template: string, op: VaultOperation, doc: Doc, path: string, suffix: string): OpenApiOperation {
  const replaced = Object.entries(doc.inPath ?? {}).flatMap(([param, fields]) => (path.includes(`{${param}}`) ? fields : []));
  const fields = doc.fields?.filter((f) => !replaced.includes(f));
  const body = fields?.length ? requestBody({ ...doc, fields }) : undefined;
  const batch = doc.items ? objectSchema({ batch_results: { type: 'array', items: batchResult(doc.data!) } }, ['batch_results']) : null;
  const responses: OpenApiOperation['responses'] = doc.data
    ? { 200: { description: batch ? 'The result, or every batch item’s' : doc.summary, schema: envelope(batch ? { oneOf: [doc.data, batch] } : doc.data) } }
    : { 204: { description: 'Done' } };
  // A batch in which an item failed answers every item's result with 400 (or partial_failure_response_code when some succeeded).
  const refused: OpenApiOperation['responses'] = batch
    ? { 400: { description: 'A refusal, or a batch in which an item failed', schema: { oneOf: [{ $ref: '#/components/schemas/Errors' }, envelope(batch)] } } }
    : {};
  return {
    method: METHOD[op],
    path: `/v1/${TRANSIT_MOUNT}/${path}`,
    operationId: doc.id + suffix,
    summary: doc.summary,
    description:
      [doc.description, op === 'update' ? 'PUT is served as POST.' : '', op === 'list' ? 'The method LIST (as hvac sends it) is served as this GET.' : '']
        .filter(Boolean)
        .join(' ') || undefined,
    tags: [template.split(/[/[]/)[0]],
    ...(op === 'list' ? { parameters: [{ in: 'query', name: 'list', required: true, schema: { enum: [...LIST_TRUE] } }] } : {}),
    ...(body ? { body, bodyOptional: !doc.required?.length } : {}),
    responses: { ...responses, ...ERRORS, ...refused },
  };
}

function requestBody(doc: Doc): Schema {
  const properties: Record<string, Schema> = {};
  for (const name of doc.fields ?? []) properties[name] = field(name);
  if (doc.items)
    properties.batch_input = { type: 'array', minItems: 1, items: objectSchema(Object.fromEntries(doc.items.map((n) => [n, field(n)]))), description: 'Many items in one request' };
  return objectSchema(properties, doc.required ?? [], { additionalProperties: true });
}

function field(name: string): Schema {
  if (!Object.hasOwn(FIELDS, name)) throw new Error(`vault openapi: field ${name} has no schema`);
  return FIELDS[name];
}

const batchResult = (data: Schema): Schema => ({ oneOf: [data, objectSchema({ error: str, reference: str }, ['error'])] });

const token: Schema = objectSchema({
  accessor: str,
  creation_time: { type: 'integer' },
  creation_ttl: { type: 'integer' },
  display_name: str,
  entity_id: str,
  expire_time: { type: 'null' },
  explicit_max_ttl: { type: 'integer' },
  id: str,
  issue_time: { type: 'string', format: 'date-time' },
  meta: objectSchema({ tenant: str }),
  num_uses: { type: 'integer' },
  orphan: { type: 'boolean' },
  path: str,
  policies: { type: 'array', items: str },
  renewable: { type: 'boolean' },
  ttl: { type: 'integer' },
  type: { const: 'service' },
});

const SYS: OpenApiOperation[] = [
  {
    method: 'get',
    path: '/v1/sys/health',
    operationId: 'health',
    summary: 'Always initialized, unsealed and active (no envelope)',
    tags: ['sys'],
    public: true,
    responses: {
      200: {
        description: 'Health',
        schema: objectSchema(
          {
            initialized: { const: true },
            sealed: { const: false },
            standby: { const: false },
            performance_standby: { const: false },
            replication_performance_mode: str,
            replication_dr_mode: str,
            server_time_utc: { type: 'integer' },
            version: { const: VAULT_API_VERSION },
            enterprise: { const: false },
            cluster_name: str,
          },
          ['initialized', 'sealed', 'standby', 'version'],
        ),
      },
    },
  },
  {
    method: 'get',
    path: '/v1/auth/token/lookup-self',
    operationId: 'lookupSelf',
    summary: 'The presented token, as Vault describes a token',
    tags: ['auth'],
    responses: { 200: { description: 'The token', schema: envelope(token) }, 403: error, 500: error },
  },
];

/** The Vault transit dialect's document, made from the route table: every served route and operation. */
export function vaultOpenApi(version: string): Schema {
  const transit = servedRoutes().flatMap(({ template, operations }) =>
    operations.flatMap((op) => {
      const doc = DOCS[template]?.[op];
      if (!doc) throw new Error(`vault openapi: ${op} ${template} is served and not documented`);
      return expandTemplate(template).map(({ path, suffix }) => transitOperation(template, op, doc, path, suffix));
    }),
  );
  return openApiDocument({
    title: 'HashiCorp Vault transit dialect',
    version,
    description:
      `Vault's transit secrets engine (API level ${VAULT_API_VERSION}) mounted at \`${TRANSIT_MOUNT}\`, as this gateway serves it (docs/vault.md). ` +
      'Every route but sys/health authenticates with a Vault token from the admin CLI, in `X-Vault-Token` or `Authorization: Bearer`. ' +
      "Answers wear Vault's envelope (`data`, `warnings`...); an answer without data is 204. Fields may come in the JSON body or the query string; integers and booleans may come as text. " +
      'Every failure is `{"errors": [...]}`: 400 for a refused request, 403 permission denied (no, unknown or revoked token), 404 with an empty list for a read of nothing (or naming a path no route serves), ' +
      '405 unsupported operation for a method a path does not serve (and for any method but GET, LIST, POST, PUT and DELETE), 500 internal error.',
    operations: [...SYS, ...transit],
    components: {
      schemas: {
        Errors: objectSchema({ errors: { type: 'array', items: str } }, ['errors']),
        Envelope: objectSchema(
          {
            request_id: { type: 'string', format: 'uuid' },
            lease_id: { const: '' },
            renewable: { const: false },
            lease_duration: { const: 0 },
            data: {},
            wrap_info: { type: 'null' },
            warnings: { type: ['array', 'null'], items: str },
            auth: { type: 'null' },
            mount_type: str,
          },
          ['request_id', 'data', 'warnings', 'mount_type'],
        ),
      },
      responses: {
        VaultError: {
          description: 'A refusal: the reason, or an empty list for a read of nothing',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Errors' } } },
        },
      },
      securitySchemes: { vaultToken: { type: 'apiKey', in: 'header', name: 'X-Vault-Token' }, bearer: { type: 'http', scheme: 'bearer' } },
    },
    security: [{ vaultToken: [] }, { bearer: [] }],
    tags: [
      { name: 'sys', description: 'What clients probe first' },
      { name: 'auth', description: 'The token' },
      ...[...new Set(servedRoutes().map((r) => r.template.split(/[/[]/)[0]))].map((name) => ({ name, description: `transit/${name}` })),
    ],
  });
}
