import type { KeyOperations, KeyRecord } from '@kms/core';
import { encodeBlob } from '../blob';
import { AwsError } from '../errors';
import { Input } from '../input';
import type { AwsAction } from './context';
import { ALIAS_ACTIONS } from './aliases';
import { CRYPTO_ACTIONS } from './crypto';
import { IMPORT_ACTIONS } from './import';
import { KEY_ACTIONS } from './keys';
import { type Member, REQUEST_MEMBERS } from './members';
import { ROTATION_ACTIONS } from './rotation';
import { SIGNATURE_ACTIONS } from './signatures';
import { servedOperations } from './table';
import { TAG_ACTIONS } from './tags';

const HANDLERS: Record<string, AwsAction> = { ...KEY_ACTIONS, ...ALIAS_ACTIONS, ...CRYPTO_ACTIONS, ...SIGNATURE_ACTIONS, ...ROTATION_ACTIONS, ...TAG_ACTIONS, ...IMPORT_ACTIONS };
const KEY = '1234abcd-12ab-34cd-56ef-1234567890ab';

/** What a handler read of one member: the Input method, and the constraints it passed. */
interface Read {
  kind: Member['kind'];
  required?: boolean;
  min?: number;
  max?: number;
  oneOf?: readonly string[];
}

/**
 * An Input that records what is read, and answers every read with a value that passes it (the
 * first of `oneOf`, the minimum, a key id for key members, a well-formed blob); a member named in
 * `absent` is answered by a real Input of an empty body (undefined, or its refusal if required).
 */
function recordingInput(reads: Map<string, Read[]>, absent: ReadonlySet<string>, presence: string[]): Input {
  const empty = new Input({});
  const note = (name: string, read: Read) => reads.set(name, [...(reads.get(name) ?? []), read]);
  const opt = (o: Omit<Read, 'kind'> = {}) => ({ required: o.required, min: o.min, max: o.max, oneOf: o.oneOf });
  const reader =
    <T>(kind: Read['kind'], probe: (name: string, o: Omit<Read, 'kind'>) => T) =>
    (name: string, o: Omit<Read, 'kind'> = {}) => {
      note(name, { kind, ...opt(o) });
      if (absent.has(name)) return (empty as unknown as Record<string, (n: string, o: object) => unknown>)[kind](name, o);
      return probe(name, o);
    };
  const input = {
    has: (name: string) => {
      note(name, { kind: 'refused' });
      presence.push(name);
      return !absent.has(name);
    },
    string: reader('string', (name, o) => {
      if (o.oneOf) return o.oneOf[0];
      if (name.endsWith('KeyId')) return KEY;
      if (name === 'AliasName') return 'alias/probe';
      if (name === 'Marker') return '0';
      return 'probe';
    }),
    blob: reader('blob', () => encodeBlob({ keyId: KEY, version: 1, iv: Buffer.alloc(12), tag: Buffer.alloc(16), ciphertext: Buffer.alloc(32) })),
    integer: reader('integer', (_, o) => o.min),
    boolean: reader('boolean', () => false),
    timestamp: reader('timestamp', () => Date.now() + 3_600_000),
    stringMap: reader('stringMap', () => ({ purpose: 'probe' })),
    stringList: reader('stringList', () => ['probe']),
    tags: reader('tags', () => ({ probe: 'probe' })),
  };
  return input as unknown as Input;
}

/** The keys a probe may meet: one per family and usage the handlers branch on. */
const RECORDS: Partial<KeyRecord>[] = [
  { spec: 'aes-256', usages: ['encrypt', 'decrypt'], origin: 'generated' },
  { spec: 'aes-256', usages: ['encrypt', 'decrypt'], origin: 'external', state: 'pending_import' },
  { spec: 'rsa-2048', usages: ['sign', 'verify'], origin: 'generated' },
  { spec: 'rsa-2048', usages: ['encrypt', 'decrypt'], origin: 'generated' },
  { spec: 'secret-224', usages: ['mac'], origin: 'generated' },
];

class Stop extends Error {}

/** The core: `get` answers with the probe's key; anything else stops the handler (its reads are done by then). */
function keysOf(record: Partial<KeyRecord>): KeyOperations {
  const full = { id: KEY, state: 'enabled', tags: {}, rotation: null, attributes: {}, versions: [], ...record };
  const stop: object = new Proxy(() => undefined, {
    get: (_, p) => (p === 'then' ? undefined : stop),
    apply: () => {
      throw new Stop();
    },
  });
  return new Proxy({}, { get: (_, p) => (p === 'get' ? () => Promise.resolve(full) : stop) }) as KeyOperations;
}

/** Runs a handler against each probe key; returns the errors it answered with. */
async function probe(operation: string, reads: Map<string, Read[]>, absent: ReadonlySet<string>): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (const record of RECORDS) {
    const seen = new Set(absent);
    // A member whose mere presence is refused (Recipient) is absent on the next run, so that the reads after it are seen too.
    for (let run = 0; run < 10; run++) {
      const presence: string[] = [];
      const input = recordingInput(reads, seen, presence);
      const call = {
        caller: { tenantId: 't', account: '111122223333', region: 'us-east-1' },
        input,
        keys: keysOf(record),
        derived: { importToken: Buffer.alloc(32), materialFingerprint: Buffer.alloc(32) },
      };
      const error = await HANDLERS[operation](call as never).then(
        () => null,
        (err: unknown) => err,
      );
      errors.push(error);
      const last = presence.at(-1);
      if (!(error instanceof AwsError && error.type === 'UnsupportedOperationException') || last === undefined || seen.has(last)) break;
      seen.add(last);
    }
  }
  return errors;
}

/** Input's refusal of a missing member. */
const refusesMissing = (err: unknown, name: string) =>
  err instanceof AwsError &&
  err.type === 'ValidationException' &&
  err.message.includes(`'${name.charAt(0).toLowerCase()}${name.slice(1)}'`) &&
  err.message.includes('must not be null');

describe('REQUEST_MEMBERS', () => {
  it('has an entry for each served operation, and no other', () => {
    expect(Object.keys(REQUEST_MEMBERS).sort()).toEqual(servedOperations());
    expect(Object.keys(HANDLERS).sort()).toEqual(servedOperations());
  });

  it.each(servedOperations())('%s: documents exactly the members its handler reads, with the constraints it checks', async (operation) => {
    const reads = new Map<string, Read[]>();
    await probe(operation, reads, new Set());
    // Then without each member read so far in turn (CustomerMasterKeySpec is read only without KeySpec), until no new one shows.
    const tried = new Set<string>();
    for (let name = [...reads.keys()].find((n) => !tried.has(n)); name !== undefined; name = [...reads.keys()].find((n) => !tried.has(n))) {
      tried.add(name);
      await probe(operation, reads, new Set([name]));
    }
    const documented = REQUEST_MEMBERS[operation];
    expect([...reads.keys()].sort()).toEqual(Object.keys(documented).sort());
    for (const [name, member] of Object.entries(documented)) {
      const typed = reads.get(name)!.filter((r) => r.kind !== 'refused');
      // A member only looked at for presence is one that is refused when present.
      if (member.kind === 'refused') expect({ name, typed }).toEqual({ name, typed: [] });
      const shape = { kind: member.kind, min: member.min, max: member.max, oneOf: member.oneOf };
      for (const r of typed) expect({ name, ...r, required: undefined }).toEqual({ name, ...shape, required: undefined });
    }
  });

  it.each(servedOperations())('%s: refuses the absence of each member documented as required, and only of those', async (operation) => {
    for (const [name, member] of Object.entries(REQUEST_MEMBERS[operation])) {
      const errors = await probe(operation, new Map(), new Set([name]));
      expect({ name, refused: errors.some((e) => refusesMissing(e, name)) }).toEqual({ name, refused: member.required === true });
    }
  });
});
