import { type KeyOperations, type KeyRecord, KmsError, aesKeyWrap } from '@kms/core';
import type { Input } from './input';
import { expandTemplate, vaultOpenApi } from './openapi';
import type { VaultCall, VaultOperation } from './operations/context';
import { routeFor, servedRoutes } from './operations/table';

/**
 * Holds the Vault document's request fields to what the transit handlers read: every handler is
 * run, on every documented path form, against keys of each kind (and none), single and batched,
 * with an Input that records each field read and answers it with a value that lets the handler go
 * on; then again without each field read so far, until no new one shows (a field read only when
 * another is absent: `public_key` without `ciphertext`). The core answers only what a handler
 * needs to reach its reads (the key, the BYOK unwrap) and refuses the rest, which ends the run.
 */

const NAME = 'probe';
const EPHEMERAL = Buffer.alloc(32, 9);
/** An import ciphertext the core's unwrap opens: the RSA part (the fake core answers EPHEMERAL for it), then AES-KWP of a 256-bit key. */
const IMPORT_BLOB = Buffer.concat([Buffer.alloc(512, 1), aesKeyWrap(EPHEMERAL, Buffer.alloc(32, 5), true)]);
const versioned = (n: number) => `vault:v1:${Buffer.alloc(n, 3).toString('base64')}`;

const STRINGS: Record<string, string> = {
  type: 'aes256-gcm96',
  context: Buffer.alloc(4, 1).toString('base64'),
  ciphertext: versioned(44),
  signature: versioned(64),
  hmac: versioned(32),
  hash_algorithm: 'sha2-256',
  algorithm: 'sha2-256',
  marshaling_algorithm: 'asn1',
  signature_algorithm: 'pss',
  salt_length: 'auto',
  hash_function: 'SHA256',
  format: 'base64',
  source: 'platform',
};
const INTEGERS: Record<string, number> = { bits: 256, key_size: 32, bytes: 16, partial_failure_response_code: 207 };

/** An Input that records what is read (by field name, in `reads`) and answers a value that passes; a field in `absent` is not there. */
function recordingInput(reads: Set<string>, absent: ReadonlySet<string>, items?: Input[]): Input {
  const read =
    <T>(answer: (name: string) => T) =>
    (name: string): T | undefined => {
      reads.add(name);
      return absent.has(name) ? undefined : answer(name);
    };
  return {
    has: (name: string) => {
      reads.add(name);
      return name === 'batch_input' ? items !== undefined && !absent.has(name) : !absent.has(name);
    },
    raw: read(() => 'probe'),
    string: read((name) => STRINGS[name] ?? 'probe'),
    base64: read((name) => (name === 'ciphertext' ? IMPORT_BLOB : Buffer.alloc(16, 1))),
    integer: read((name) => INTEGERS[name] ?? 1),
    boolean: read(() => false),
    duration: read(() => undefined),
    batch: () => {
      reads.add('batch_input');
      return absent.has('batch_input') ? undefined : items;
    },
  } as unknown as Input;
}

const record = (spec: string, extra: Partial<KeyRecord> = {}, settings: Record<string, unknown> = {}): KeyRecord =>
  ({
    id: '11111111-2222-4333-8444-555555555555',
    tenantId: 't',
    spec,
    usages: ['encrypt', 'decrypt', 'sign', 'verify', 'mac'],
    state: 'enabled',
    origin: 'generated',
    publicKey: null,
    currentVersion: 1,
    minDecryptVersion: 1,
    versions: [{ version: 1, createdAt: 0, publicKey: null }],
    rotation: null,
    tags: {},
    label: NAME,
    exportable: true,
    attributes: { vault: { min_encryption_version: 1, deletion_allowed: true, exportable: true, ...settings } },
    createdAt: 0,
    updatedAt: 0,
    ...extra,
  }) as unknown as KeyRecord;

/** The keys a probe may meet: none, and one of each kind the handlers branch on. */
const KEYS: (KeyRecord | null)[] = [
  null,
  record('aes-256', {}, { type: 'aes256-gcm96', derived: true, convergent_encryption: true }),
  record('aes-256', { origin: 'imported' }, { type: 'aes256-gcm96', allow_rotation: true }),
  record('rsa-2048', {}, { type: 'rsa-2048' }),
  record('ec-p256', {}, { type: 'ecdsa-p256' }),
  record('okp-ed25519', {}, { type: 'ed25519' }),
  record('secret-256', {}, { type: 'hmac', key_size: 32 }),
];

const stop = () => new KmsError('INVALID_ARGUMENT', 'probe: the core answers no more');

/** The core: the named key (or none), the wrapping key, the BYOK unwrap; anything else refuses. */
function keysOf(key: KeyRecord | null): KeyOperations {
  const refuse: object = new Proxy(() => undefined, {
    get: (_, p) => (p === 'then' ? undefined : refuse),
    apply: () => Promise.reject(stop()),
  });
  const answers: Record<string, unknown> = {
    get: (_caller: unknown, ref: string) => {
      if (ref !== NAME) return Promise.resolve(record('rsa-4096'));
      return key ? Promise.resolve(key) : Promise.reject(new KmsError('NOT_FOUND', 'no key'));
    },
    asymDecrypt: () => Promise.resolve(Buffer.from(EPHEMERAL)),
  };
  return new Proxy({}, { get: (_, p) => (typeof p === 'string' && Object.hasOwn(answers, p) ? answers[p] : refuse) }) as KeyOperations;
}

/** Values of each path parameter that let the handler run (`a` of random is a source or a number of bytes). */
const PARAMS: Record<string, readonly string[]> = { name: [NAME], alg: ['sha2-256'], a: ['platform', '16'], b: ['16'], version: ['1'] };
const KINDS: Record<string, string> = { datakey: 'plaintext', export: 'encryption-key' };

/** Every filling of a path form's parameters. */
function fillings(path: string): string[] {
  const kind = path.replace('{kind}', KINDS[path.split('/')[0]] ?? 'probe');
  const param = /\{(\w+)\}/.exec(kind);
  return param ? PARAMS[param[1]].flatMap((v) => fillings(kind.replace(param[0], v))) : [kind];
}

/**
 * Runs the handler of one path form on every key, single and batched, then again without each
 * field read so far and each pair of them (a field read only when two others are absent, as
 * verify's `algorithm`: without `hmac` and `hash_algorithm`), until no new one shows.
 */
async function probe(path: string, op: VaultOperation): Promise<{ top: Set<string>; items: Set<string> }> {
  const top = new Set<string>();
  const items = new Set<string>();
  const run = async (absent: ReadonlySet<string>) => {
    for (const rest of fillings(path)) {
      const { action, params } = routeFor(rest, op);
      for (const key of KEYS) {
        for (const batched of [false, true]) {
          const input = recordingInput(top, absent, batched ? [recordingInput(items, absent)] : undefined);
          const call = { caller: { tenantId: 't' }, input, params, keys: keysOf(key), secrets: { wrappingKeyId: Buffer.alloc(32) } };
          await action(call as unknown as VaultCall).catch(() => undefined);
        }
      }
    }
  };
  await run(new Set());
  const tried = new Set<string>();
  for (;;) {
    const names = [...new Set([...top, ...items])].sort();
    const sets = names.flatMap((a, i) => [[a], ...names.slice(i + 1).map((b) => [a, b])]).filter((set) => !tried.has(set.join()));
    if (!sets.length) return { top, items };
    for (const set of sets) {
      tried.add(set.join());
      await run(new Set(set));
    }
  }
}

type Body = { properties?: Record<string, { items?: { properties?: object } }> };
type Doc = { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Body }> } }>> };

const METHOD: Record<VaultOperation, string> = { read: 'get', list: 'get', update: 'post', delete: 'delete' };
const FORMS = servedRoutes().flatMap(({ template, operations }) => operations.flatMap((op) => expandTemplate(template).map(({ path }) => ({ path, op }))));

describe('the Vault document’s request fields', () => {
  const doc = vaultOpenApi('0.0.0-test') as Doc;

  it.each(FORMS)('$op $path: documents exactly the fields its handler reads, and those of each batch item', async ({ path, op }) => {
    const { top, items } = await probe(path, op);
    const body = doc.paths[`/v1/transit/${path}`][METHOD[op]].requestBody?.content['application/json'].schema;
    expect([...top].sort()).toEqual(Object.keys(body?.properties ?? {}).sort());
    expect([...items].sort()).toEqual(Object.keys(body?.properties?.batch_input?.items?.properties ?? {}).sort());
  });
});
