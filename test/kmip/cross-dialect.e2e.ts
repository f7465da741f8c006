import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { CreateKeyCommand, DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { BLOCK_CIPHER_MODE, byteString, enumeration, structure, textString, type Item } from '@kms/dialect-kmip';
import { REGION, awsCredential, bytes as awsBytes, contextAad, parseBlob } from '../aws/support';
import { signedEhsmBody } from '../support/ehsm-sign';
import { cli } from '../support/server';
import { httpsCall } from '../tls/https-client';
import type { Issued } from '../tls/pki';
import { child, readResponse, requestMessage, roundTrip, startKmipWorld, valueOf, type KmipWorld } from './support';

/**
 * Keys made through eHSM, AWS KMS and Vault transit, used over KMIP by their UUIDs, and the
 * reverse. Each dialect lays AES-GCM out its own way around the same IV, ciphertext, tag and AAD
 * (eHSM: ciphertext ‖ IV ‖ tag; AWS: the blob of docs/aws.md with the canonical EncryptionContext
 * as AAD; Vault: `vault:v1:` IV ‖ ciphertext ‖ tag), so a KMIP ciphertext re-laid opens through the
 * other dialect, and the reverse, only if both used the same key material. (listener.e2e.ts has
 * KMIP-made keys through JOSE, eHSM, AWS and Vault; crypto-wire.e2e.ts checks KMIP's GCM locally.)
 */
const TENANT = 'kmip-cross';
const V14: [number, number] = [1, 4];
const gcm = structure('Cryptographic Parameters', [enumeration('Block Cipher Mode', BLOCK_CIPHER_MODE['GCM'])]);
const field = (payload: Item | null | undefined, name: string) => valueOf(child(payload!, name)) as Buffer;

let world: KmipWorld;
let me: Issued;
let app: { appid: string; apikey: string };
let vaultToken: string;
let kms: KMSClient;

beforeAll(async () => {
  world = await startKmipWorld();
  me = await world.client('cross', TENANT);
  app = (await cli(world.gw.dataDir, ['credential', 'ehsm', TENANT])).json;
  vaultToken = (await cli(world.gw.dataDir, ['credential', 'vault', TENANT])).json.token;
  kms = new KMSClient({
    endpoint: world.gw.url,
    region: REGION,
    credentials: await awsCredential(world.gw, TENANT),
    maxAttempts: 1,
    requestHandler: { httpsAgent: new Agent({ ca: readFileSync(world.serverCa.cert) }) },
  });
}, 60_000);
afterAll(async () => {
  kms?.destroy();
  await world.gw.stop();
  world.gw.cleanup();
});

interface Gcm {
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

async function kmipEncrypt(id: string, plaintext: string, aad?: Buffer): Promise<Gcm> {
  const aadItem = aad ? [byteString('Authenticated Encryption Additional Data', aad)] : [];
  const r = readResponse(
    await roundTrip(
      world,
      me,
      requestMessage(V14, [{ operation: 'Encrypt', payload: [textString('Unique Identifier', id), gcm, byteString('Data', Buffer.from(plaintext)), ...aadItem] }]),
    ),
  );
  expect([r.items[0].status, r.items[0].message]).toEqual([0, undefined]);
  const p = r.items[0].payload;
  return { iv: field(p, 'IV/Counter/Nonce'), ciphertext: field(p, 'Data'), tag: field(p, 'Authenticated Encryption Tag') };
}

async function kmipDecrypt(id: string, g: Gcm, aad?: Buffer): Promise<string> {
  const aadItem = aad ? [byteString('Authenticated Encryption Additional Data', aad)] : [];
  const r = readResponse(
    await roundTrip(
      world,
      me,
      requestMessage(V14, [
        {
          operation: 'Decrypt',
          payload: [
            textString('Unique Identifier', id),
            gcm,
            byteString('Data', g.ciphertext),
            byteString('IV/Counter/Nonce', g.iv),
            ...aadItem,
            byteString('Authenticated Encryption Tag', g.tag),
          ],
        },
      ]),
    ),
  );
  expect([r.items[0].status, r.items[0].message]).toEqual([0, undefined]);
  return field(r.items[0].payload, 'Data').toString();
}

async function ehsm(action: string, payload: Record<string, unknown>) {
  const r = await httpsCall(
    world.gw.url,
    { ca: world.serverCa.cert },
    { method: 'POST', path: `/ehsm?Action=${action}`, headers: { 'content-type': 'application/json' }, body: signedEhsmBody(app, payload) },
  );
  expect(r.json.code).toBe(200);
  return r.json.result as Record<string, string>;
}

async function vault(path: string, body?: unknown) {
  const r = await httpsCall(
    world.gw.url,
    { ca: world.serverCa.cert },
    {
      method: body === undefined ? 'GET' : 'POST',
      path: `/v1/transit/${path}`,
      headers: { 'x-vault-token': vaultToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    },
  );
  expect(r.status).toBe(200);
  return r.json.data as Record<string, any>;
}

it('an eHSM-made AES key encrypts over KMIP by its keyid, and each side opens the other’s ciphertext', async () => {
  const { keyid } = await ehsm('CreateKey', { keyspec: 'EH_AES_GCM_256', origin: 'EH_INTERNAL_KEY', keyusage: 'EH_KEYUSAGE_ENCRYPT_DECRYPT' });
  const g = await kmipEncrypt(keyid, 'sealed over KMIP');
  const opened = await ehsm('Decrypt', { keyid, ciphertext: Buffer.concat([g.ciphertext, g.iv, g.tag]).toString('base64') });
  expect(Buffer.from(opened.plaintext, 'base64').toString()).toBe('sealed over KMIP');

  const blob = Buffer.from((await ehsm('Encrypt', { keyid, plaintext: Buffer.from('sealed through eHSM').toString('base64') })).ciphertext, 'base64');
  const n = blob.length;
  expect(await kmipDecrypt(keyid, { ciphertext: blob.subarray(0, n - 28), iv: blob.subarray(n - 28, n - 16), tag: blob.subarray(n - 16) })).toBe('sealed through eHSM');
});

it('an AWS-made key encrypts over KMIP with the EncryptionContext as AAD, and AWS decrypts the re-laid blob', async () => {
  const id = (await kms.send(new CreateKeyCommand({ Description: 'made through AWS' }))).KeyMetadata!.KeyId!;
  const context = { app: 'kmip' };
  const g = await kmipEncrypt(id, 'sealed over KMIP for AWS', contextAad(context));
  const version = Buffer.alloc(4);
  version.writeUInt32BE(1);
  const blob = Buffer.concat([Buffer.from([1]), Buffer.from(id.replace(/-/g, ''), 'hex'), version, g.iv, g.tag, g.ciphertext]);
  const opened = await kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: context }));
  expect(Buffer.from(awsBytes(opened.Plaintext)).toString()).toBe('sealed over KMIP for AWS');

  const sealed = parseBlob(awsBytes((await kms.send(new EncryptCommand({ KeyId: id, Plaintext: Buffer.from('sealed through AWS'), EncryptionContext: context }))).CiphertextBlob));
  expect(await kmipDecrypt(id, sealed, contextAad(context))).toBe('sealed through AWS');
  // Without the context, the tag does not match: Cryptographic Failure, not the plaintext.
  const wrong = readResponse(
    await roundTrip(
      world,
      me,
      requestMessage(V14, [
        {
          operation: 'Decrypt',
          payload: [
            textString('Unique Identifier', id),
            gcm,
            byteString('Data', sealed.ciphertext),
            byteString('IV/Counter/Nonce', sealed.iv),
            byteString('Authenticated Encryption Tag', sealed.tag),
          ],
        },
      ]),
    ),
  );
  expect(wrong.items[0].status).toBe(1);
});

it('a Vault transit key encrypts over KMIP by its id, and transit opens the re-laid ciphertext, and the reverse', async () => {
  await vault('keys/shared', { type: 'aes256-gcm96' });
  const id = (await vault('keys/shared')).id as string;
  const g = await kmipEncrypt(id, 'sealed over KMIP for Vault');
  const { plaintext } = await vault('decrypt/shared', { ciphertext: `vault:v1:${Buffer.concat([g.iv, g.ciphertext, g.tag]).toString('base64')}` });
  expect(Buffer.from(plaintext, 'base64').toString()).toBe('sealed over KMIP for Vault');

  const { ciphertext } = await vault('encrypt/shared', { plaintext: Buffer.from('sealed through Vault').toString('base64') });
  const b = Buffer.from(ciphertext.split(':')[2], 'base64');
  expect(await kmipDecrypt(id, { iv: b.subarray(0, 12), ciphertext: b.subarray(12, b.length - 16), tag: b.subarray(b.length - 16) })).toBe('sealed through Vault');
});
