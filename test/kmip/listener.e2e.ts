import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CRYPTOGRAPHIC_ALGORITHM, OBJECT_TYPE, RESULT_REASON, RESULT_STATUS, STATE, encode, enumeration, integer, structure, textString, type Item } from '@kms/dialect-kmip';
import { cli, runGatewayExpectingExit, tempDir } from '../support/server';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { Agent } from 'node:https';
import { REGION, awsCredential } from '../aws/support';
import { signedEhsmBody } from '../support/ehsm-sign';
import { eventually } from '../support/eventually';
import { httpsCall } from '../tls/https-client';
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
 * The KMIP listener as part of the gateway: start-up checks of its settings, the certificate reload
 * on SIGHUP, a credential revoked under an open connection, several worker processes, and a key
 * shared with another dialect by its UUID (the client certificate authenticates JOSE too).
 */
const V12: [number, number] = [1, 2];
const query: BatchItem = { operation: 'Query', payload: [enumeration('Query Function', 1)] };
const uid = (id: string) => textString('Unique Identifier', id);
const attr = (name: string, value: Item): Item => structure('Attribute', [textString('Attribute Name', name), { ...value, tag: 0x42000b }]);

describe('start-up and settings', () => {
  it('KMS_KMIP_PORT without TLS or a client CA stops start-up; KMIP needs a certificate whatever KMS_TLS_CLIENT_AUTH says; KMS_KMIP_MAX_CONNECTIONS holds', async () => {
    const dataDir = tempDir();
    const noTls = await runGatewayExpectingExit({ KMS_DATA_DIR: dataDir, KMS_KMIP_PORT: '0' });
    expect(noTls.code).toBe(2);
    expect(noTls.output).toContain('KMS_KMIP_PORT (kmip.port): KMIP runs over TLS only: set KMS_TLS_CERT and KMS_TLS_KEY');
    const world = await startKmipWorld({ KMS_TLS_CLIENT_AUTH: 'off', KMS_KMIP_MAX_CONNECTIONS: '2' });
    try {
      const server = world.pki.issue(world.serverCa, 'kmip-server-2', 'server');
      const noCa = await runGatewayExpectingExit({ KMS_DATA_DIR: dataDir, KMS_KMIP_PORT: '0', KMS_TLS_CERT: server.cert, KMS_TLS_KEY: server.key });
      expect(noCa.code).toBe(2);
      expect(noCa.output).toContain('KMS_KMIP_PORT (kmip.port): KMIP clients authenticate by certificate: set KMS_TLS_CLIENT_CA');
      const badPort = await runGatewayExpectingExit({ KMS_DATA_DIR: dataDir, KMS_KMIP_PORT: '70000' });
      expect(badPort.output).toContain('KMS_KMIP_PORT: must be an integer between 0 and 65535');

      // KMS_TLS_CLIENT_AUTH=off is HTTP's business: KMIP still requires a certificate.
      expect(await refusedAtTls(world, undefined)).toBe(true);
      const alice = await world.client('alice', 'auth-off');
      expect(readResponse(await roundTrip(world, alice, requestMessage(V12, [query]))).items[0].status).toBe(RESULT_STATUS['Success']);

      // KMS_KMIP_MAX_CONNECTIONS=2: a third connection is closed while two are open, and served once one closes.
      const open = [await kmipConnect(world, alice), await kmipConnect(world, alice)];
      expect(await refusedAtTls(world, alice)).toBe(true);
      open[0].destroy();
      await eventually(async () => !(await refusedAtTls(world, alice)), 'a connection slot');
      open[1].destroy();
    } finally {
      await world.gw.stop();
      world.gw.cleanup();
    }
  }, 60_000);
});

describe('one gateway', () => {
  let world: KmipWorld;
  let alice: Issued;
  let carol: Issued;
  const dir = tempDir('kms-kmip-live-');
  // The server certificate files the gateway reads, replaced before a SIGHUP.
  const live = { cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };

  beforeAll(async () => {
    world = await startKmipWorld({ KMS_CACHE_TTL_MS: '300' }, live);
    alice = await world.client('alice', 'listener');
    carol = await world.client('carol', 'listener');
  }, 60_000);
  afterAll(async () => {
    await world.gw.stop();
    world.gw.cleanup();
  });

  it('SIGHUP gives new KMIP connections the new server certificate', async () => {
    const peer = async () => {
      const socket = await kmipConnect(world, alice);
      const fp = socket.getPeerX509Certificate()!.fingerprint256.replace(/:/g, '').toLowerCase();
      socket.destroy();
      return fp;
    };
    const second = world.pki.issue(world.serverCa, 'kmip-live-2', 'server');
    expect(await peer()).not.toBe(second.fingerprint);
    copyFileSync(second.cert, live.cert);
    copyFileSync(second.key, live.key);
    world.gw.proc.kill('SIGHUP');
    await eventually(async () => (await peer()) === second.fingerprint, 'the reloaded certificate on the KMIP port');
    expect(readResponse(await roundTrip(world, alice, requestMessage(V12, [query]))).items[0].status).toBe(RESULT_STATUS['Success']);
  });

  it('a credential revoked under an open connection refuses that connection its next requests', async () => {
    const socket = await kmipConnect(world, carol);
    const reader = new MessageReader(socket);
    const ask = async () => {
      socket.write(encode(requestMessage(V12, [query])));
      return readResponse((await reader.next())!).items[0];
    };
    expect((await ask()).status).toBe(RESULT_STATUS['Success']);
    expect((await cli(world.gw.dataDir, ['credential', 'revoke', 'tls-client-cert', carol.fingerprint])).json).toEqual({ revoked: true });
    await eventually(async () => (await ask()).reason === RESULT_REASON['Permission Denied'], 'the revocation (KMS_CACHE_TTL_MS=300)');
    socket.destroy();
  });

  it('a key made over KMIP is used by its UUID through JOSE (same certificate, same tenant), and Revoke stops that', async () => {
    const made = readResponse(
      await roundTrip(
        world,
        alice,
        requestMessage(V12, [
          {
            operation: 'Create',
            payload: [
              enumeration('Object Type', OBJECT_TYPE['Symmetric Key']),
              structure('Template-Attribute', [
                attr('Cryptographic Algorithm', enumeration('Attribute Value', CRYPTOGRAPHIC_ALGORITHM['AES'])),
                attr('Cryptographic Length', integer('Attribute Value', 256)),
                attr('Cryptographic Usage Mask', integer('Attribute Value', 0x0c)),
              ]),
            ],
          },
          { operation: 'Activate' },
        ]),
      ),
    );
    expect(made.items.map((i) => i.status)).toEqual([RESULT_STATUS['Success'], RESULT_STATUS['Success']]);
    const kid = valueOf(child(made.items[0].payload!, 'Unique Identifier')) as string;
    const jose = (path: string, body: unknown) =>
      httpsCall(
        world.gw.url,
        { ca: world.serverCa.cert, cert: alice.cert, key: alice.key },
        { method: 'POST', path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
      );
    const data = Buffer.from('shared by uuid').toString('base64url');
    const jwe = await jose('/v1/crypto/encrypt', { kid, alg: 'dir', enc: 'A256GCM', data });
    expect(jwe.status).toBe(200);
    expect((await jose('/v1/crypto/decrypt', jwe.json)).json).toEqual({ kid, data });
    const revoked = readResponse(
      await roundTrip(
        world,
        alice,
        requestMessage(V12, [{ operation: 'Revoke', payload: [uid(kid), structure('Revocation Reason', [enumeration('Revocation Reason Code', 1)])] }]),
      ),
    );
    expect(revoked.items[0].status).toBe(RESULT_STATUS['Success']);
    const refused = await jose('/v1/crypto/encrypt', { kid, alg: 'dir', enc: 'A256GCM', data });
    expect(refused.status).not.toBe(200);
  });

  it('a key made over KMIP is used by its UUID through eHSM and AWS KMS, by credentials of the same tenant', async () => {
    const made = readResponse(
      await roundTrip(
        world,
        alice,
        requestMessage(V12, [
          {
            operation: 'Create',
            payload: [
              enumeration('Object Type', OBJECT_TYPE['Symmetric Key']),
              structure('Template-Attribute', [
                attr('Cryptographic Algorithm', enumeration('Attribute Value', CRYPTOGRAPHIC_ALGORITHM['AES'])),
                attr('Cryptographic Length', integer('Attribute Value', 256)),
                attr('Cryptographic Usage Mask', integer('Attribute Value', 0x0c)),
              ]),
            ],
          },
          { operation: 'Activate' },
        ]),
      ),
    );
    const keyid = valueOf(child(made.items[0].payload!, 'Unique Identifier')) as string;
    const app = (await cli(world.gw.dataDir, ['credential', 'ehsm', 'listener'])).json as { appid: string; apikey: string };
    const ehsm = async (action: string, payload: Record<string, unknown>) =>
      (
        await httpsCall(
          world.gw.url,
          { ca: world.serverCa.cert },
          { method: 'POST', path: `/ehsm?Action=${action}`, headers: { 'content-type': 'application/json' }, body: signedEhsmBody(app, payload) },
        )
      ).json as { code: number; result: Record<string, string> };
    const plaintext = Buffer.from('through eHSM').toString('base64');
    const enc = await ehsm('Encrypt', { keyid, plaintext });
    expect(enc.code).toBe(200);
    expect((await ehsm('Decrypt', { keyid, ciphertext: enc.result.ciphertext })).result.plaintext).toBe(plaintext);

    const kms = new KMSClient({
      endpoint: world.gw.url,
      region: REGION,
      credentials: await awsCredential(world.gw, 'listener'),
      maxAttempts: 1,
      // The SDK's own handler options: an agent that trusts the test CA.
      requestHandler: { httpsAgent: new Agent({ ca: readFileSync(world.serverCa.cert) }) },
    });
    const sealed = await kms.send(new EncryptCommand({ KeyId: keyid, Plaintext: Buffer.from('through AWS') }));
    const opened = await kms.send(new DecryptCommand({ KeyId: keyid, CiphertextBlob: sealed.CiphertextBlob }));
    expect(Buffer.from(opened.Plaintext!).toString()).toBe('through AWS');
    expect(opened.KeyId).toContain(keyid);
  });

  it('a key made over KMIP is used by its UUID through Vault transit, and a transit key is a KMIP object under its id', async () => {
    const made = readResponse(
      await roundTrip(
        world,
        alice,
        requestMessage(V12, [
          {
            operation: 'Create',
            payload: [
              enumeration('Object Type', OBJECT_TYPE['Symmetric Key']),
              structure('Template-Attribute', [
                attr('Cryptographic Algorithm', enumeration('Attribute Value', CRYPTOGRAPHIC_ALGORITHM['AES'])),
                attr('Cryptographic Length', integer('Attribute Value', 256)),
                attr('Cryptographic Usage Mask', integer('Attribute Value', 0x0c)),
              ]),
            ],
          },
          { operation: 'Activate' },
        ]),
      ),
    );
    const keyid = valueOf(child(made.items[0].payload!, 'Unique Identifier')) as string;
    const token = (await cli(world.gw.dataDir, ['credential', 'vault', 'listener'])).json.token as string;
    const vault = async (path: string, body?: unknown) =>
      (
        await httpsCall(
          world.gw.url,
          { ca: world.serverCa.cert },
          {
            method: body === undefined ? 'GET' : 'POST',
            path: `/v1/transit/${path}`,
            headers: { 'x-vault-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          },
        )
      ).json as { data: Record<string, any> };
    expect((await vault(`keys/${keyid}`)).data).toMatchObject({ id: keyid, type: 'aes256-gcm96', latest_version: 1 });
    const plaintext = Buffer.from('through Vault').toString('base64');
    const { ciphertext } = (await vault(`encrypt/${keyid}`, { plaintext })).data;
    expect(ciphertext).toMatch(/^vault:v1:/);
    expect((await vault(`decrypt/${keyid}`, { ciphertext })).data.plaintext).toBe(plaintext);

    await vault('keys/from-vault', { type: 'aes128-gcm96' });
    const id = (await vault('keys/from-vault')).data.id as string;
    const r = readResponse(await roundTrip(world, alice, requestMessage(V12, [{ operation: 'Get Attributes', payload: [uid(id)] }])));
    const attributes = Object.fromEntries(childrenOf(r.items[0].payload!, 'Attribute').map((a) => [valueOf(child(a, 'Attribute Name')), valueOf(child(a, 'Attribute Value'))]));
    expect(attributes).toMatchObject({ 'Unique Identifier': id, 'Cryptographic Length': 128, State: STATE['Active'] });
  });

  it('a key made through JOSE is an Active KMIP Symmetric Key under the same UUID, found by Locate, not exportable', async () => {
    const made = await httpsCall(
      world.gw.url,
      { ca: world.serverCa.cert, cert: alice.cert, key: alice.key },
      { method: 'POST', path: '/v1/crypto/keys', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kty: 'oct', alg: 'A256GCM' }) },
    );
    expect(made.status).toBe(200);
    const kid = made.json.kid as string;
    const r = readResponse(
      await roundTrip(
        world,
        alice,
        requestMessage(
          V12,
          [
            { operation: 'Get Attributes', payload: [uid(kid)] },
            { operation: 'Locate', payload: [attr('Object Type', enumeration('Attribute Value', OBJECT_TYPE['Symmetric Key']))] },
            { operation: 'Get', payload: [uid(kid)] },
          ],
          [enumeration('Batch Error Continuation Option', 1)],
        ),
      ),
    );
    const attributes = Object.fromEntries(childrenOf(r.items[0].payload!, 'Attribute').map((a) => [valueOf(child(a, 'Attribute Name')), valueOf(child(a, 'Attribute Value'))]));
    expect(attributes).toMatchObject({
      'Unique Identifier': kid,
      'Object Type': OBJECT_TYPE['Symmetric Key'],
      'Cryptographic Algorithm': CRYPTOGRAPHIC_ALGORITHM['AES'],
      'Cryptographic Length': 256,
      State: STATE['Active'],
    });
    expect(childrenOf(r.items[1].payload!, 'Unique Identifier').map(valueOf)).toContain(kid);
    expect(r.items[2]).toMatchObject({ status: RESULT_STATUS['Operation Failed'], reason: RESULT_REASON['Permission Denied'] });
  });
});

describe('several worker processes', () => {
  it('every worker serves the KMIP port', async () => {
    const world = await startKmipWorld({ KMS_WORKERS: '2' });
    try {
      const alice = await world.client('alice', 'workers');
      for (let i = 0; i < 4; i++) {
        expect(readResponse(await roundTrip(world, alice, requestMessage(V12, [query]))).items[0].status).toBe(RESULT_STATUS['Success']);
      }
    } finally {
      await world.gw.stop();
      world.gw.cleanup();
    }
  }, 60_000);
});
