import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import {
  BATCH_ERROR_CONTINUATION_OPTION,
  CRYPTOGRAPHIC_ALGORITHM,
  KEY_FORMAT_TYPE,
  RECOMMENDED_CURVE,
  bigInteger,
  byteString,
  dateTime,
  OBJECT_TYPE,
  OPERATION,
  RESULT_REASON,
  RESULT_STATUS,
  STATE,
  encode,
  enumeration,
  integer,
  longInteger,
  structure,
  textString,
  type Item,
} from '@kms/dialect-kmip';
import type { Issued } from '../tls/pki';
import {
  MessageReader,
  child,
  childrenOf,
  kmipConnect,
  readResponse,
  refusedAtTls,
  requestMessage,
  roundTrip,
  startKmipWorld,
  valueOf,
  type BatchItem,
  type KmipWorld,
} from './support';

/**
 * The KMIP listener byte by byte, with node:tls and the codec as the client: batches and the ID
 * Placeholder, Batch Error Continuation, version negotiation, malformed and oversized messages,
 * timeouts, client certificates at the TLS layer, and tenant isolation.
 */
const MAX_MESSAGE = 65536;
let world: KmipWorld;
let alice: Issued;
let bob: Issued;
let stranger: Issued;

beforeAll(async () => {
  world = await startKmipWorld({ KMS_KMIP_MAX_MESSAGE_BYTES: String(MAX_MESSAGE), KMS_KMIP_IDLE_TIMEOUT_MS: '1500', KMS_KMIP_MESSAGE_TIMEOUT_MS: '1000' });
  alice = await world.client('alice', 'wire-a');
  bob = await world.client('bob', 'wire-b');
  stranger = await world.client('stranger');
}, 60_000);
afterAll(async () => {
  await world.gw.stop();
  world.gw.cleanup();
});

const V12: [number, number] = [1, 2];
const attr = (name: string, value: Item): Item => structure('Attribute', [textString('Attribute Name', name), { ...value, tag: 0x42000b }]);
const aesTemplate = (name: string, mask = 0x4c): Item =>
  structure('Template-Attribute', [
    attr('Cryptographic Algorithm', enumeration('Attribute Value', CRYPTOGRAPHIC_ALGORITHM['AES'])),
    attr('Cryptographic Length', integer('Attribute Value', 256)),
    attr('Cryptographic Usage Mask', integer('Attribute Value', mask)),
    attr('Name', structure('Attribute Value', [textString('Name Value', name), enumeration('Name Type', 1)])),
  ]);
const createAes = (name: string, mask?: number): BatchItem => ({
  operation: 'Create',
  payload: [enumeration('Object Type', OBJECT_TYPE['Symmetric Key']), aesTemplate(name, mask)],
});
const uid = (id: string) => textString('Unique Identifier', id);
const query: BatchItem = { operation: 'Query', payload: [enumeration('Query Function', 1)] };

async function call(who: Issued, version: [number, number], items: BatchItem[], header: Item[] = []) {
  return readResponse(await roundTrip(world, who, requestMessage(version, items, header)));
}

const OK = RESULT_STATUS['Success'];
const FAILED = RESULT_STATUS['Operation Failed'];

describe('batches', () => {
  it('the ID Placeholder carries the id a batch item returned to the items after it', async () => {
    const r = await call(alice, V12, [createAes('placeholder-key'), { operation: 'Activate' }, { operation: 'Get Attributes', payload: [textString('Attribute Name', 'State')] }]);
    expect(r.count).toBe(3);
    expect(r.items.map((i) => i.status)).toEqual([OK, OK, OK]);
    const id = valueOf(child(r.items[0].payload!, 'Unique Identifier'));
    expect(valueOf(child(r.items[2].payload!, 'Unique Identifier'))).toBe(id);
    const state = child(r.items[2].payload!, 'Attribute')!;
    expect(valueOf(child(state, 'Attribute Value'))).toBe(STATE['Active']);
  });

  it('without an id and before any placeholder, an item is refused Invalid Field', async () => {
    const r = await call(alice, V12, [{ operation: 'Activate' }]);
    expect(r.items[0]).toMatchObject({ status: FAILED, reason: RESULT_REASON['Invalid Field'], message: expect.stringMatching(/ID Placeholder/) });
  });

  it('Batch Error Continuation: Stop (the default) ends the batch at the failure; Continue runs the rest; Undo is served as Stop', async () => {
    const items: BatchItem[] = [
      { operation: 'Get', payload: [uid('00000000-0000-4000-8000-000000000000')], id: Buffer.from('a') },
      { ...query, id: Buffer.from('b') },
    ];
    const stop = await call(alice, V12, items);
    expect(stop.count).toBe(1);
    expect(stop.items[0]).toMatchObject({ status: FAILED, reason: RESULT_REASON['Item Not Found'], id: Buffer.from('a') });
    const cont = await call(alice, V12, items, [enumeration('Batch Error Continuation Option', BATCH_ERROR_CONTINUATION_OPTION['Continue'])]);
    expect(cont.count).toBe(2);
    expect(cont.items.map((i) => [i.status, i.id?.toString()])).toEqual([
      [FAILED, 'a'],
      [OK, 'b'],
    ]);
    const undo = await call(alice, V12, items, [enumeration('Batch Error Continuation Option', BATCH_ERROR_CONTINUATION_OPTION['Undo'])]);
    expect(undo.count).toBe(1);
  });

  it('answers an operation it does not serve with Operation Not Supported, named', async () => {
    const r = await call(alice, V12, [{ operation: 'Archive', payload: [uid('x')] }]);
    expect(r.items[0]).toMatchObject({ status: FAILED, reason: RESULT_REASON['Operation Not Supported'], operation: OPERATION['Archive'], message: 'Archive is not served' });
  });

  it('a response over the Maximum Response Size is replaced by Response Too Large', async () => {
    const r = await call(alice, V12, [query], [integer('Maximum Response Size', 64)]);
    expect(r.items[0]).toMatchObject({ status: FAILED, reason: RESULT_REASON['Response Too Large'] });
  });

  it('serves several messages on one connection, in order', async () => {
    const socket = await kmipConnect(world, alice);
    const reader = new MessageReader(socket);
    for (let i = 0; i < 3; i++) socket.write(encode(requestMessage(V12, [{ ...query, id: Buffer.from([i]) }])));
    for (let i = 0; i < 3; i++) expect(readResponse((await reader.next())!).items[0]).toMatchObject({ status: OK, id: Buffer.from([i]) });
    socket.destroy();
  });
});

describe('versions', () => {
  it.each([
    [1, 0],
    [1, 1],
    [1, 2],
    [1, 3],
    [1, 4],
    [2, 0],
  ])('answers a %i.%i request in its own version', async (major, minor) => {
    const r = await call(alice, [major, minor], [query]);
    expect(r.version).toEqual([major, minor]);
    expect(r.items[0].status).toBe(OK);
  });

  it('answers an unsupported 1.x version in 1.4, refusing all but Discover Versions', async () => {
    const r = await call(alice, [1, 5], [{ operation: 'Discover Versions' }, query], [enumeration('Batch Error Continuation Option', BATCH_ERROR_CONTINUATION_OPTION['Continue'])]);
    expect(r.version).toEqual([1, 4]);
    expect(r.items[0].status).toBe(OK);
    expect(childrenOf(r.items[0].payload!, 'Protocol Version')).toHaveLength(6);
    expect(r.items[1]).toMatchObject({ status: FAILED, reason: RESULT_REASON['Invalid Message'], message: expect.stringMatching(/1\.5 is not supported/) });
  });

  it('answers 3.0 in 2.0 with Unsupported Protocol Version', async () => {
    const r = await call(alice, [3, 0], [query]);
    expect(r.version).toEqual([2, 0]);
    expect(r.items[0]).toMatchObject({ status: FAILED, reason: RESULT_REASON['Unsupported Protocol Version'] });
  });

  it('Discover Versions answers the versions of the client list it speaks, in its own order', async () => {
    const pv = (a: number, b: number) => structure('Protocol Version', [integer('Protocol Version Major', a), integer('Protocol Version Minor', b)]);
    const r = await call(alice, V12, [{ operation: 'Discover Versions', payload: [pv(1, 1), pv(9, 9), pv(2, 0)] }]);
    const versions = childrenOf(r.items[0].payload!, 'Protocol Version').map((p) => [valueOf(child(p, 'Protocol Version Major')), valueOf(child(p, 'Protocol Version Minor'))]);
    expect(versions).toEqual([
      [2, 0],
      [1, 1],
    ]);
  });
});

describe('malformed input', () => {
  async function answerTo(bytes: Buffer): Promise<{ answer: Item | null; reader: MessageReader; socket: Awaited<ReturnType<typeof kmipConnect>> }> {
    const socket = await kmipConnect(world, alice);
    const reader = new MessageReader(socket);
    socket.write(bytes);
    return { answer: await reader.next(), reader, socket };
  }

  it('a framed message that does not decode gets Invalid Message, and the connection goes on', async () => {
    // A Request Message holding one Boolean whose value is 2.
    const bad = Buffer.from('42007801000000104200060600000008' + '0000000000000002', 'hex');
    const { answer, reader, socket } = await answerTo(bad);
    const r = readResponse(answer!);
    expect(r.version).toEqual([1, 0]);
    expect(r.items[0]).toMatchObject({ status: FAILED, reason: RESULT_REASON['Invalid Message'], message: expect.stringMatching(/Boolean/) });
    socket.write(encode(requestMessage(V12, [query])));
    expect(readResponse((await reader.next())!).items[0].status).toBe(OK);
    socket.destroy();
  });

  it('a message that is no Request Message, or whose Batch Count is wrong, gets Invalid Message', async () => {
    const notRequest = await roundTrip(world, alice, structure('Response Message', []));
    expect(readResponse(notRequest).items[0]).toMatchObject({ reason: RESULT_REASON['Invalid Message'], message: expect.stringMatching(/Request Message/) });
    const message = requestMessage(V12, [query]);
    const header = child(message, 'Request Header')!;
    (child(header, 'Batch Count') as { value: number }).value = 2;
    const r = readResponse(await roundTrip(world, alice, message));
    expect(r.items[0]).toMatchObject({ reason: RESULT_REASON['Invalid Message'], message: expect.stringMatching(/Batch Count is 2/) });
  });

  it('a header that cannot start a message loses the framing: Invalid Message, then the connection closes', async () => {
    const { answer, reader } = await answerTo(Buffer.from('0000000100000008', 'hex'));
    expect(readResponse(answer!).items[0]).toMatchObject({ reason: RESULT_REASON['Invalid Message'] });
    await reader.closed(3000);
  });

  it('a message longer than KMS_KMIP_MAX_MESSAGE_BYTES is refused from its header and the connection closed', async () => {
    const header = Buffer.from('42007801', 'hex');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(MAX_MESSAGE * 4);
    const { answer, reader } = await answerTo(Buffer.concat([header, length]));
    expect(readResponse(answer!).items[0]).toMatchObject({ reason: RESULT_REASON['Invalid Message'], message: expect.stringMatching(/larger than this server accepts/) });
    await reader.closed(3000);
  });

  it('closes a connection idle for KMS_KMIP_IDLE_TIMEOUT_MS, and one whose message stalls for KMS_KMIP_MESSAGE_TIMEOUT_MS', async () => {
    const idle = new MessageReader(await kmipConnect(world, alice));
    const idleFor = await idle.closed(5000);
    expect(idleFor).toBeGreaterThanOrEqual(1000);
    const slow = await kmipConnect(world, alice);
    const slowReader = new MessageReader(slow);
    slow.write(Buffer.from('4200780100', 'hex'));
    const stalledFor = await slowReader.closed(5000);
    expect(stalledFor).toBeLessThan(1500);
    expect(await slowReader.next(100)).toBeNull();
  });

  it('the gateway is still serving after all of the above', async () => {
    expect((await call(alice, V12, [query])).items[0].status).toBe(OK);
  });
});

describe('client certificates', () => {
  it('no client certificate, or one from another CA, gets no KMIP session', async () => {
    expect(await refusedAtTls(world, undefined)).toBe(true);
    expect(await refusedAtTls(world, world.pki.issue(world.otherCa, 'outsider', 'client'))).toBe(true);
    expect(await refusedAtTls(world, alice)).toBe(false);
  });

  it('a certificate the CA signed but no credential maps gets every request refused Permission Denied', async () => {
    const r = await call(stranger, V12, [query, { operation: 'Discover Versions' }], [enumeration('Batch Error Continuation Option', BATCH_ERROR_CONTINUATION_OPTION['Continue'])]);
    expect(r.items.map((i) => i.reason)).toEqual([RESULT_REASON['Permission Denied'], RESULT_REASON['Permission Denied']]);
    expect(r.items[0].message).toMatch(/not mapped to a tenant/);
  });

  it("keeps tenants apart: bob cannot Get, Locate, read or destroy alice's key", async () => {
    const made = await call(alice, V12, [createAes('alice-only', 0x4c), { operation: 'Activate' }]);
    const id = valueOf(child(made.items[0].payload!, 'Unique Identifier')) as string;
    const got = await call(alice, V12, [{ operation: 'Get', payload: [uid(id)] }]);
    expect(got.items[0].status).toBe(OK);
    for (const operation of ['Get', 'Get Attributes', 'Revoke', 'Destroy']) {
      const payload = operation === 'Revoke' ? [uid(id), structure('Revocation Reason', [enumeration('Revocation Reason Code', 1)])] : [uid(id)];
      const r = await call(bob, V12, [{ operation, payload }]);
      expect([operation, r.items[0].reason]).toEqual([operation, RESULT_REASON['Item Not Found']]);
    }
    const located = await call(bob, V12, [
      { operation: 'Locate', payload: [attr('Name', structure('Attribute Value', [textString('Name Value', 'alice-only'), enumeration('Name Type', 1)]))] },
    ]);
    expect(childrenOf(located.items[0].payload!, 'Unique Identifier')).toEqual([]);
    const own = await call(alice, V12, [
      { operation: 'Locate', payload: [attr('Name', structure('Attribute Value', [textString('Name Value', 'alice-only'), enumeration('Name Type', 1)]))] },
    ]);
    expect(childrenOf(own.items[0].payload!, 'Unique Identifier').map(valueOf)).toEqual([id]);
  });
});

describe('operations PyKMIP cannot send', () => {
  it('Add Attribute adds a Name and a custom attribute; Get Attributes reads them, and the Link of a pair when asked', async () => {
    const made = await call(alice, V12, [createAes('add-attr')]);
    const id = valueOf(child(made.items[0].payload!, 'Unique Identifier')) as string;
    const added = await call(alice, V12, [
      { operation: 'Add Attribute', payload: [uid(id), attr('x-purpose', textString('Attribute Value', 'backups'))] },
      { operation: 'Add Attribute', payload: [uid(id), attr('Name', structure('Attribute Value', [textString('Name Value', 'add-attr-2'), enumeration('Name Type', 1)]))] },
      { operation: 'Get Attributes', payload: [uid(id), textString('Attribute Name', 'x-purpose'), textString('Attribute Name', 'Name')] },
      { operation: 'Add Attribute', payload: [uid(id), attr('State', enumeration('Attribute Value', 2))] },
    ]);
    expect(added.items.slice(0, 3).map((i) => i.status)).toEqual([OK, OK, OK]);
    const attrs = childrenOf(added.items[2].payload!, 'Attribute').map((a) => valueOf(child(a, 'Attribute Name')));
    expect(attrs).toEqual(['Name', 'Name', 'x-purpose']);
    expect(added.items[3]).toMatchObject({ status: FAILED, reason: RESULT_REASON['Invalid Field'] });

    const pair = await call(alice, V12, [
      {
        operation: 'Create Key Pair',
        payload: [
          structure('Common Template-Attribute', [
            attr('Cryptographic Algorithm', enumeration('Attribute Value', CRYPTOGRAPHIC_ALGORITHM['EC'])),
            attr('Cryptographic Length', integer('Attribute Value', 256)),
          ]),
        ],
      },
    ]);
    const priv = valueOf(child(pair.items[0].payload!, 'Private Key Unique Identifier')) as string;
    const pub = valueOf(child(pair.items[0].payload!, 'Public Key Unique Identifier')) as string;
    const link = await call(alice, V12, [{ operation: 'Get Attributes', payload: [uid(priv), textString('Attribute Name', 'Link')] }]);
    const value = child(child(link.items[0].payload!, 'Attribute')!, 'Attribute Value')!;
    expect(valueOf(child(value, 'Linked Object Identifier'))).toBe(pub);
  });

  it('Get answers the Key Format Types asked for: Transparent Symmetric Key, PKCS#1, ECPrivateKey; and refuses one the object has not', async () => {
    const aes = await call(alice, V12, [
      createAes('formats'),
      { operation: 'Activate' },
      { operation: 'Get', payload: [enumeration('Key Format Type', KEY_FORMAT_TYPE['Transparent Symmetric Key'])] },
      { operation: 'Get' },
    ]);
    const material = (item: Item) => child(child(child(child(item, 'Symmetric Key')!, 'Key Block')!, 'Key Value')!, 'Key Material')!;
    const transparent = material(aes.items[2].payload!);
    expect(transparent.type).toBe('Structure');
    expect(valueOf(child(transparent, 'Key'))).toEqual(valueOf(material(aes.items[3].payload!)));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const registered = await call(
      alice,
      V12,
      [
        {
          operation: 'Register',
          payload: [
            enumeration('Object Type', OBJECT_TYPE['Private Key']),
            structure('Template-Attribute', [attr('Cryptographic Usage Mask', integer('Attribute Value', 0x41)), attr('Activation Date', dateTime('Attribute Value', 1n))]),
            structure('Private Key', [
              structure('Key Block', [
                enumeration('Key Format Type', KEY_FORMAT_TYPE['PKCS#1']),
                structure('Key Value', [byteString('Key Material', rsa.privateKey.export({ format: 'der', type: 'pkcs1' }))]),
              ]),
            ]),
          ],
        },
        { operation: 'Get', payload: [enumeration('Key Format Type', KEY_FORMAT_TYPE['PKCS#8'])] },
        { operation: 'Get', payload: [enumeration('Key Format Type', KEY_FORMAT_TYPE['ECPrivateKey'])] },
      ],
      [enumeration('Batch Error Continuation Option', BATCH_ERROR_CONTINUATION_OPTION['Continue'])],
    );
    expect(registered.items.map((i) => i.status)).toEqual([OK, OK, FAILED]);
    const der = valueOf(child(child(child(child(registered.items[1].payload!, 'Private Key')!, 'Key Block')!, 'Key Value')!, 'Key Material')) as Buffer;
    expect(der).toEqual(rsa.privateKey.export({ format: 'der', type: 'pkcs8' }));
    expect(registered.items[2].reason).toBe(RESULT_REASON['Key Format Type Not Supported']);
  });

  it('Transparent RSA and EC formats: Register takes them and Get answers them, with the same numbers as the DER forms', async () => {
    const keyMaterial = (item: Item, object: string) => child(child(child(child(item, object)!, 'Key Block')!, 'Key Value')!, 'Key Material')!;
    const big = (b64u: string | undefined) => BigInt(`0x${Buffer.from(b64u ?? '', 'base64url').toString('hex')}`);
    const continueOnError = [enumeration('Batch Error Continuation Option', BATCH_ERROR_CONTINUATION_OPTION['Continue'])];
    // An RSA public key registered by its modulus and exponent, read back as X.509 and as numbers.
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const jwk = rsa.export({ format: 'jwk' });
    const rsaReg = await call(alice, V12, [
      {
        operation: 'Register',
        payload: [
          enumeration('Object Type', OBJECT_TYPE['Public Key']),
          structure('Template-Attribute', [attr('Cryptographic Usage Mask', integer('Attribute Value', 0x2))]),
          structure('Public Key', [
            structure('Key Block', [
              enumeration('Key Format Type', KEY_FORMAT_TYPE['Transparent RSA Public Key']),
              structure('Key Value', [structure('Key Material', [bigInteger('Modulus', big(jwk.n)), bigInteger('Public Exponent', big(jwk.e))])]),
            ]),
          ]),
        ],
      },
      { operation: 'Get', payload: [enumeration('Key Format Type', KEY_FORMAT_TYPE['X.509'])] },
      { operation: 'Get', payload: [enumeration('Key Format Type', KEY_FORMAT_TYPE['Transparent RSA Public Key'])] },
    ]);
    expect(rsaReg.items.map((i) => i.status)).toEqual([OK, OK, OK]);
    expect(valueOf(keyMaterial(rsaReg.items[1].payload!, 'Public Key'))).toEqual(rsa.export({ format: 'der', type: 'spki' }));
    expect(valueOf(child(keyMaterial(rsaReg.items[2].payload!, 'Public Key'), 'Modulus'))).toBe(big(jwk.n));

    // An exportable EC pair: its private key as D, its public key as Q, both matching the DER forms.
    const pair = await call(alice, V12, [
      {
        operation: 'Create Key Pair',
        payload: [
          structure('Common Template-Attribute', [
            attr('Cryptographic Algorithm', enumeration('Attribute Value', CRYPTOGRAPHIC_ALGORITHM['ECDSA'])),
            attr('Cryptographic Length', integer('Attribute Value', 384)),
          ]),
          structure('Private Key Template-Attribute', [attr('Cryptographic Usage Mask', integer('Attribute Value', 0x41))]),
        ],
      },
      { operation: 'Activate' },
      { operation: 'Get', payload: [enumeration('Key Format Type', KEY_FORMAT_TYPE['PKCS#8'])] },
      { operation: 'Get', payload: [enumeration('Key Format Type', KEY_FORMAT_TYPE['Transparent ECDSA Private Key'])] },
    ]);
    expect(pair.items.map((i) => i.status)).toEqual([OK, OK, OK, OK]);
    const pub = valueOf(child(pair.items[0].payload!, 'Public Key Unique Identifier')) as string;
    const ecJwk = createPrivateKey({ key: valueOf(keyMaterial(pair.items[2].payload!, 'Private Key')) as Buffer, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
    const transparentD = keyMaterial(pair.items[3].payload!, 'Private Key');
    expect(valueOf(child(transparentD, 'D'))).toBe(big(ecJwk.d));
    expect(valueOf(child(transparentD, 'Recommended Curve'))).toBe(RECOMMENDED_CURVE['P-384']);
    const q = await call(alice, V12, [{ operation: 'Get', payload: [uid(pub), enumeration('Key Format Type', KEY_FORMAT_TYPE['Transparent ECDSA Public Key'])] }]);
    const point = valueOf(child(keyMaterial(q.items[0].payload!, 'Public Key'), 'Q String')) as Buffer;
    expect(point).toEqual(Buffer.concat([Buffer.from([4]), Buffer.from(ecJwk.x!, 'base64url'), Buffer.from(ecJwk.y!, 'base64url')]));

    // The D registered again as a private key: the same key (its PKCS#8 names the same scalar).
    const again = await call(
      alice,
      V12,
      [
        {
          operation: 'Register',
          payload: [
            enumeration('Object Type', OBJECT_TYPE['Private Key']),
            structure('Template-Attribute', [attr('Cryptographic Usage Mask', integer('Attribute Value', 0x41)), attr('Activation Date', dateTime('Attribute Value', 1n))]),
            structure('Private Key', [
              structure('Key Block', [enumeration('Key Format Type', KEY_FORMAT_TYPE['Transparent ECDSA Private Key']), structure('Key Value', [transparentD])]),
            ]),
          ],
        },
        { operation: 'Get', payload: [enumeration('Key Format Type', KEY_FORMAT_TYPE['PKCS#8'])] },
        {
          operation: 'Register',
          payload: [
            enumeration('Object Type', OBJECT_TYPE['Private Key']),
            structure('Private Key', [
              structure('Key Block', [
                enumeration('Key Format Type', KEY_FORMAT_TYPE['Transparent ECDSA Private Key']),
                structure('Key Value', [structure('Key Material', [enumeration('Recommended Curve', RECOMMENDED_CURVE['K-163']), bigInteger('D', 5n)])]),
              ]),
            ]),
          ],
        },
      ],
      continueOnError,
    );
    expect(again.items.map((i) => i.status)).toEqual([OK, OK, FAILED]);
    const reread = createPrivateKey({ key: valueOf(keyMaterial(again.items[1].payload!, 'Private Key')) as Buffer, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
    expect(reread).toEqual(ecJwk);
    expect(again.items[2]).toMatchObject({ reason: RESULT_REASON['Invalid Field'], message: expect.stringMatching(/Recommended Curve/) });
  });

  it('Get Usage Allocation grants what is asked for a key of the caller', async () => {
    const made = await call(alice, V12, [createAes('usage'), { operation: 'Get Usage Allocation', payload: [longInteger('Usage Limits Count', 10n)] }]);
    expect(made.items[1].status).toBe(OK);
    const unknown = await call(alice, V12, [{ operation: 'Get Usage Allocation', payload: [uid('00000000-0000-4000-8000-000000000000'), longInteger('Usage Limits Count', 1n)] }]);
    expect(unknown.items[0].reason).toBe(RESULT_REASON['Item Not Found']);
  });

  it('KMIP 2.0 Create takes an Attributes structure and Get Attributes answers one', async () => {
    const r = await call(
      alice,
      [2, 0],
      [
        {
          operation: 'Create',
          payload: [
            enumeration('Object Type', OBJECT_TYPE['Symmetric Key']),
            structure('Attributes', [
              enumeration('Cryptographic Algorithm', CRYPTOGRAPHIC_ALGORITHM['AES']),
              integer('Cryptographic Length', 128),
              integer('Cryptographic Usage Mask', 0x0c),
            ]),
          ],
        },
        { operation: 'Get Attributes', payload: [enumeration('Attribute Reference', 0x42008d)] },
      ],
    );
    expect(r.items.map((i) => i.status)).toEqual([OK, OK]);
    const attributes = child(r.items[1].payload!, 'Attributes')!;
    expect(valueOf(child(attributes, 'State'))).toBe(STATE['Pre-Active']);
  });
});
