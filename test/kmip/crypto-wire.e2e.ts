import { createDecipheriv, createHmac } from 'node:crypto';
import {
  BLOCK_CIPHER_MODE,
  CRYPTOGRAPHIC_ALGORITHM,
  DIGITAL_SIGNATURE_ALGORITHM,
  HASHING_ALGORITHM,
  OBJECT_TYPE,
  OPERATION,
  PADDING_METHOD,
  RESULT_REASON,
  RESULT_STATUS,
  VALIDITY_INDICATOR,
  boolean,
  byteString,
  enumeration,
  integer,
  structure,
  textString,
  type Item,
} from '@kms/dialect-kmip';
import type { Issued } from '../tls/pki';
import { child, childrenOf, readResponse, requestMessage, roundTrip, startKmipWorld, valueOf, type BatchItem, type KmipWorld } from './support';

/**
 * The crypto operations through the KMIP listener with node:tls and the codec as the client:
 * batches that create, activate, fetch and use a key through the ID Placeholder, the protocol
 * versions GCM needs, streaming refusals, tenant isolation, RNG Retrieve and Query.
 */
let world: KmipWorld;
let alice: Issued;
let bob: Issued;

beforeAll(async () => {
  world = await startKmipWorld();
  alice = await world.client('crypto-alice', 'crypto-a');
  bob = await world.client('crypto-bob', 'crypto-b');
}, 60_000);
afterAll(async () => {
  await world.gw.stop();
  world.gw.cleanup();
});

const V12: [number, number] = [1, 2];
const V14: [number, number] = [1, 4];
const V20: [number, number] = [2, 0];
const OK = RESULT_STATUS['Success'];
const FAILED = RESULT_STATUS['Operation Failed'];
const attr = (name: string, value: Item): Item => structure('Attribute', [textString('Attribute Name', name), { ...value, tag: 0x42000b }]);
/** Create of a symmetric key, exportable (mask bit Export) so that Get hands the test its bytes. */
const create = (algorithm: string, bits: number, mask: number): BatchItem => ({
  operation: 'Create',
  payload: [
    enumeration('Object Type', OBJECT_TYPE['Symmetric Key']),
    structure('Template-Attribute', [
      attr('Cryptographic Algorithm', enumeration('Attribute Value', CRYPTOGRAPHIC_ALGORITHM[algorithm])),
      attr('Cryptographic Length', integer('Attribute Value', bits)),
      attr('Cryptographic Usage Mask', integer('Attribute Value', mask)),
    ]),
  ],
});
const gcm = structure('Cryptographic Parameters', [enumeration('Block Cipher Mode', BLOCK_CIPHER_MODE['GCM'])]);
const bytes = (payload: Item | undefined, name: string): Buffer => valueOf(child(payload!, name)) as Buffer;

async function call(who: Issued, version: [number, number], items: BatchItem[]) {
  return readResponse(await roundTrip(world, who, requestMessage(version, items)));
}

/** The Key Material of a Get response (Raw: a Byte String inside Key Block / Key Value). */
function keyMaterial(getPayload: Item): Buffer {
  const key = child(child(child(child(getPayload, 'Symmetric Key')!, 'Key Block')!, 'Key Value')!, 'Key Material');
  if (key?.type !== 'ByteString') throw new Error('no Raw key material');
  return key.value;
}

describe('crypto over the KMIP listener', () => {
  let aesId: string;
  let aesKey: Buffer;

  it('one batch creates, activates, fetches and uses an AES key through the ID Placeholder; a second decrypts by id', async () => {
    const plaintext = Buffer.from('batched through the placeholder');
    const aad = Buffer.from('aad');
    const r = await call(alice, V14, [
      create('AES', 256, 0x4c),
      { operation: 'Activate' },
      { operation: 'Get' },
      { operation: 'Encrypt', payload: [gcm, byteString('Data', plaintext), byteString('Authenticated Encryption Additional Data', aad)] },
    ]);
    expect(r.items.map((i) => [i.operation, i.status, i.message])).toEqual([
      [OPERATION['Create'], OK, undefined],
      [OPERATION['Activate'], OK, undefined],
      [OPERATION['Get'], OK, undefined],
      [OPERATION['Encrypt'], OK, undefined],
    ]);
    aesId = valueOf(child(r.items[0].payload!, 'Unique Identifier')) as string;
    aesKey = keyMaterial(r.items[2].payload!);
    const enc = r.items[3].payload;
    expect(valueOf(child(enc!, 'Unique Identifier'))).toBe(aesId);
    const [ct, iv, tag] = [bytes(enc, 'Data'), bytes(enc, 'IV/Counter/Nonce'), bytes(enc, 'Authenticated Encryption Tag')];
    const local = createDecipheriv('aes-256-gcm', aesKey, iv).setAAD(aad).setAuthTag(tag);
    expect(Buffer.concat([local.update(ct), local.final()])).toEqual(plaintext);
    const back = await call(alice, V20, [
      {
        operation: 'Decrypt',
        payload: [
          textString('Unique Identifier', aesId),
          gcm,
          byteString('Data', ct),
          byteString('IV/Counter/Nonce', iv),
          byteString('Authenticated Encryption Additional Data', aad),
          byteString('Authenticated Encryption Tag', tag),
        ],
      },
    ]);
    expect(back.items[0].status).toBe(OK);
    expect(bytes(back.items[0].payload, 'Data')).toEqual(plaintext);
  });

  it('GCM is refused below 1.4 with Feature Not Supported; a wrong tag is Cryptographic Failure; streaming is Feature Not Supported', async () => {
    const encrypt = (extra: Item[]): BatchItem => ({
      operation: 'Encrypt',
      payload: [textString('Unique Identifier', aesId), gcm, byteString('Data', Buffer.from('x')), ...extra],
    });
    const old = await call(alice, V12, [encrypt([])]);
    expect([old.items[0].status, old.items[0].reason]).toEqual([FAILED, RESULT_REASON['Feature Not Supported']]);
    const streamed = await call(alice, V14, [encrypt([boolean('Init Indicator', true)])]);
    expect([streamed.items[0].status, streamed.items[0].reason]).toEqual([FAILED, RESULT_REASON['Feature Not Supported']]);
    const badTag = await call(alice, V14, [
      {
        operation: 'Decrypt',
        payload: [
          textString('Unique Identifier', aesId),
          gcm,
          byteString('Data', Buffer.alloc(8)),
          byteString('IV/Counter/Nonce', Buffer.alloc(12)),
          byteString('Authenticated Encryption Tag', Buffer.alloc(16)),
        ],
      },
    ]);
    expect([badTag.items[0].status, badTag.items[0].reason]).toEqual([FAILED, RESULT_REASON['Cryptographic Failure']]);
  });

  it('another tenant’s certificate cannot use the key', async () => {
    const r = await call(bob, V14, [{ operation: 'Encrypt', payload: [textString('Unique Identifier', aesId), gcm, byteString('Data', Buffer.from('x'))] }]);
    expect(r.items[0].status).toBe(FAILED);
    expect([RESULT_REASON['Item Not Found'], RESULT_REASON['Permission Denied']]).toContain(r.items[0].reason);
  });

  it.each([
    ['HMAC-SHA384', 384, 'sha384'],
    ['HMAC-SHA512', 512, 'sha512'],
  ])('MAC and MAC Verify with an %s key made by Create (the hash from its algorithm), checked with a local HMAC', async (algorithm, bits, hash) => {
    const message = Buffer.from('mac me');
    const r = await call(alice, V14, [
      create(algorithm, bits, 0x40 | 0x80 | 0x100),
      { operation: 'Activate' },
      { operation: 'Get' },
      { operation: 'MAC', payload: [byteString('Data', message)] },
    ]);
    expect(r.items.map((i) => [i.status, i.message])).toEqual([
      [OK, undefined],
      [OK, undefined],
      [OK, undefined],
      [OK, undefined],
    ]);
    const key = keyMaterial(r.items[2].payload!);
    const mac = bytes(r.items[3].payload, 'MAC Data');
    expect(mac).toEqual(createHmac(hash, key).update(message).digest());
    const id = valueOf(child(r.items[0].payload!, 'Unique Identifier')) as string;
    const verify = (m: Buffer) => ({ operation: 'MAC Verify', payload: [textString('Unique Identifier', id), byteString('Data', message), byteString('MAC Data', m)] });
    const v = await call(alice, V20, [verify(mac), verify(Buffer.alloc(mac.length))]);
    expect(v.items.map((i) => valueOf(child(i.payload!, 'Validity Indicator')))).toEqual([VALIDITY_INDICATOR['Valid'], VALIDITY_INDICATOR['Invalid']]);
  });

  it('an RSA pair made by Create Key Pair: OAEP with the public key object, opened with the private one; PKCS#1 v1.5 signatures the other way', async () => {
    const mask = (m: number): Item => attr('Cryptographic Usage Mask', integer('Attribute Value', m));
    const pair = await call(alice, V14, [
      {
        operation: 'Create Key Pair',
        payload: [
          structure('Common Template-Attribute', [
            attr('Cryptographic Algorithm', enumeration('Attribute Value', CRYPTOGRAPHIC_ALGORITHM['RSA'])),
            attr('Cryptographic Length', integer('Attribute Value', 2048)),
          ]),
          structure('Private Key Template-Attribute', [mask(0x8 | 0x1)]),
          structure('Public Key Template-Attribute', [mask(0x4 | 0x2)]),
        ],
      },
    ]);
    expect(pair.items[0].status).toBe(OK);
    const priv = valueOf(child(pair.items[0].payload!, 'Private Key Unique Identifier')) as string;
    const pub = valueOf(child(pair.items[0].payload!, 'Public Key Unique Identifier')) as string;
    const id = (u: string) => textString('Unique Identifier', u);
    const activated = await call(alice, V14, [
      { operation: 'Activate', payload: [id(priv)] },
      { operation: 'Activate', payload: [id(pub)] },
    ]);
    expect(activated.items.map((i) => i.status)).toEqual([OK, OK]);
    const oaep = structure('Cryptographic Parameters', [enumeration('Padding Method', PADDING_METHOD['OAEP']), enumeration('Hashing Algorithm', HASHING_ALGORITHM['SHA-256'])]);
    const plaintext = Buffer.from('to the public key');
    const enc = await call(alice, V14, [{ operation: 'Encrypt', payload: [id(pub), oaep, byteString('Data', plaintext)] }]);
    expect(enc.items[0].status).toBe(OK);
    const dec = await call(alice, V14, [{ operation: 'Decrypt', payload: [id(priv), oaep, byteString('Data', bytes(enc.items[0].payload, 'Data'))] }]);
    expect(bytes(dec.items[0].payload, 'Data')).toEqual(plaintext);
    const pkcs1 = structure('Cryptographic Parameters', [enumeration('Digital Signature Algorithm', DIGITAL_SIGNATURE_ALGORITHM['SHA-256 with RSA Encryption'])]);
    const signed = await call(alice, V14, [{ operation: 'Sign', payload: [id(priv), pkcs1, byteString('Data', plaintext)] }]);
    const signature = bytes(signed.items[0].payload, 'Signature Data');
    const checked = await call(alice, V14, [
      { operation: 'Signature Verify', payload: [id(pub), pkcs1, byteString('Data', plaintext), byteString('Signature Data', signature)] },
      { operation: 'Signature Verify', payload: [id(pub), pkcs1, byteString('Data', Buffer.from('other')), byteString('Signature Data', signature)] },
      // The private key's mask has no Encrypt bit: the core's usage refusal.
      { operation: 'Encrypt', payload: [id(priv), oaep, byteString('Data', plaintext)] },
    ]);
    expect(checked.items.slice(0, 2).map((i) => valueOf(child(i.payload!, 'Validity Indicator')))).toEqual([VALIDITY_INDICATOR['Valid'], VALIDITY_INDICATOR['Invalid']]);
    expect([checked.items[2].status, checked.items[2].reason]).toEqual([FAILED, RESULT_REASON['Permission Denied']]);
  });

  it('RNG Retrieve answers the bytes asked for; Query lists the crypto operations', async () => {
    const r = await call(alice, V14, [
      { operation: 'RNG Retrieve', payload: [integer('Data Length', 32)] },
      { operation: 'Query', payload: [enumeration('Query Function', 1)] },
    ]);
    expect(bytes(r.items[0].payload, 'Data')).toHaveLength(32);
    const listed = childrenOf(r.items[1].payload!, 'Operation').map((o) => valueOf(o));
    for (const op of ['Encrypt', 'Decrypt', 'Sign', 'Signature Verify', 'MAC', 'MAC Verify', 'RNG Retrieve']) expect(listed).toContain(OPERATION[op]);
  });
});
