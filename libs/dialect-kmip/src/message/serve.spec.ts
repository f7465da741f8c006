import { KmsError, type KeyOperations, type KmsErrorCode } from '@kms/core';
import { OPERATION, RESULT_REASON, RESULT_STATUS, decode, encode, enumeration, integer, structure, tagOf, textString, type Item } from '../ttlv';
import { randomItem, seeded } from '../ttlv/random.fixture';
import { KmipFailure, type OperationHandler } from '../operations/operation';
import { serveMessage, type Caller } from './serve';

/**
 * The message layer without a socket: a test operation table stands in for the operations, so
 * that what is checked here is the layer itself (versions, batches, placeholder, error mapping,
 * never a throw). The operations themselves are tested end to end in test/kmip.
 */
const ctx = { tenantId: 't', dialect: 'kmip' };
const tenant: Caller = { kind: 'tenant', ctx };
const ops = {} as KeyOperations;

function request(version: [number, number], items: Array<{ op: string; payload?: Item[] }>): Buffer {
  return encode(
    structure('Request Message', [
      structure('Request Header', [
        structure('Protocol Version', [integer('Protocol Version Major', version[0]), integer('Protocol Version Minor', version[1])]),
        integer('Batch Count', items.length),
      ]),
      ...items.map((i) => structure('Batch Item', [enumeration('Operation', OPERATION[i.op]), structure('Request Payload', i.payload ?? [])])),
    ]),
  );
}

const field = (item: Item, name: string): Item | undefined => (item.type === 'Structure' ? item.items.find((i) => i.tag === tagOf(name)) : undefined);
const value = (item: Item | undefined): unknown => (item && item.type !== 'Structure' ? item.value : undefined);

function batchItems(response: Buffer): Item[] {
  const message = decode(response);
  return message.type === 'Structure' ? message.items.filter((i) => i.tag === tagOf('Batch Item')) : [];
}

async function serve(bytes: Buffer, operations: Record<string, OperationHandler>, onInternalError = jest.fn()) {
  return { items: batchItems(await serveMessage(bytes, tenant, { ops, onInternalError, operations })), onInternalError };
}

describe('error mapping', () => {
  const cases: Array<[KmsErrorCode, string, string]> = [
    ['INVALID_ARGUMENT', 'Invalid Field', 'Invalid Field'],
    ['NOT_FOUND', 'Item Not Found', 'Item Not Found'],
    ['FORBIDDEN', 'Permission Denied', 'Permission Denied'],
    ['WRONG_KEY_STATE', 'Illegal Operation', 'Wrong Key Lifecycle State'],
    ['ALREADY_EXISTS', 'Invalid Field', 'Object Already Exists'],
    ['UNSUPPORTED', 'Feature Not Supported', 'Feature Not Supported'],
    ['CRYPTO_FAILURE', 'Cryptographic Failure', 'Cryptographic Failure'],
  ];
  it.each(cases)('KmsError %s is %s in 1.x and %s in 2.0', async (code, v1, v2) => {
    const failing: OperationHandler = () => Promise.reject(new KmsError(code, 'refused by the core'));
    for (const [version, reason] of [
      [[1, 4], v1],
      [[2, 0], v2],
    ] as const) {
      const { items } = await serve(request([version[0], version[1]], [{ op: 'Get' }]), { Get: failing });
      expect(value(field(items[0], 'Result Status'))).toBe(RESULT_STATUS['Operation Failed']);
      expect(value(field(items[0], 'Result Reason'))).toBe(RESULT_REASON[reason]);
      expect(value(field(items[0], 'Result Message'))).toBe('refused by the core');
    }
  });

  it('anything else thrown is General Failure with a generic message, and is reported', async () => {
    const { items, onInternalError } = await serve(request([1, 2], [{ op: 'Get' }]), { Get: () => Promise.reject(new Error('secret detail')) });
    expect(value(field(items[0], 'Result Reason'))).toBe(RESULT_REASON['General Failure']);
    expect(value(field(items[0], 'Result Message'))).toBe('internal error');
    expect(onInternalError).toHaveBeenCalledWith(expect.objectContaining({ message: 'secret detail' }), 'Get');
  });

  it('a KmipFailure keeps its reason, and its payload where it has one', async () => {
    const payload = structure('Response Payload', [textString('Unique Identifier', 'k')]);
    const { items } = await serve(request([1, 2], [{ op: 'Check' }]), { Check: () => Promise.reject(new KmipFailure('Illegal Operation', 'no', payload)) });
    expect(value(field(items[0], 'Result Reason'))).toBe(RESULT_REASON['Illegal Operation']);
    expect(field(items[0], 'Response Payload')).toEqual(payload);
  });
});

describe('batches', () => {
  it('passes each returned id on as the ID Placeholder', async () => {
    const seen: Array<string | null> = [];
    const record: OperationHandler = async (call) => {
      seen.push(call.placeholder);
      return { payload: null, uniqueIdentifier: `id-${seen.length}` };
    };
    const noId: OperationHandler = async (call) => {
      seen.push(call.placeholder);
      return { payload: null };
    };
    await serve(request([1, 2], [{ op: 'Create' }, { op: 'Activate' }, { op: 'Get' }]), { Create: record, Activate: noId, Get: record });
    expect(seen).toEqual([null, 'id-1', 'id-1']);
  });

  it('a caller no credential maps gets every item refused Permission Denied, without running it', async () => {
    const run = jest.fn();
    const refused: Caller = { kind: 'refused', message: 'not mapped' };
    const response = await serveMessage(request([1, 2], [{ op: 'Query' }]), refused, { ops, onInternalError: jest.fn(), operations: { Query: run } });
    expect(value(field(batchItems(response)[0], 'Result Reason'))).toBe(RESULT_REASON['Permission Denied']);
    expect(run).not.toHaveBeenCalled();
  });
});

describe('never a throw', () => {
  it('answers 3,000 random messages, and random Request Messages, with a decodable response', async () => {
    const rand = seeded(21);
    const ok: OperationHandler = async () => ({ payload: null });
    for (let i = 0; i < 3000; i++) {
      const bytes =
        i % 3 === 0
          ? Buffer.from(Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)))
          : i % 3 === 1
            ? encode(randomItem(rand, 5))
            : encode(structure('Request Message', [randomItem(rand, 4), randomItem(rand, 4)]));
      const response = await serveMessage(bytes, tenant, { ops, onInternalError: jest.fn(), operations: { Query: ok } });
      const message = decode(response);
      expect(message.tag).toBe(tagOf('Response Message'));
    }
  });
});
