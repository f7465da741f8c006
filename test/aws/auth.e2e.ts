import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  type CreateKeyCommandInput,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateMacCommand,
  GetKeyRotationStatusCommand,
  GetParametersForImportCommand,
  GetPublicKeyCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  ReEncryptCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  TagResourceCommand,
  UpdateAliasCommand,
  UpdateKeyDescriptionCommand,
  type KeyMetadata,
} from '@aws-sdk/client-kms';
import { cli, startGateway, type Gateway } from '../support/server';
import { REGION, awsCredential, awsTenant, kmsClient, refusal, refusedAs, type AwsCredentials } from './support';

/**
 * Who may call, through the AWS SDK and through requests the SDK signed and the test then
 * replays or changes: SigV4 refusals (unknown key, wrong secret, stale or future dates, a body or
 * an operation changed after signing, revoked credentials) and tenant isolation (another tenant's
 * keys, blobs and aliases do not exist for a caller). The gateway runs with KMS_CACHE_TTL_MS=0,
 * so that a revocation holds from the next request on.
 */
let gw: Gateway;
let credsA: AwsCredentials;
let credsB: AwsCredentials;
let a: KMSClient;
let b: KMSClient;

beforeAll(async () => {
  gw = await startGateway({ KMS_CACHE_TTL_MS: '0' });
  credsA = await awsTenant(gw, 'aws-tenant-a');
  credsB = await awsTenant(gw, 'aws-tenant-b');
  a = kmsClient(gw, credsA);
  b = kmsClient(gw, credsB);
}, 60000);
afterAll(async () => {
  await gw.stop();
  gw.cleanup();
});

// ---- requests the SDK signed, captured before they leave ------------------------------------

interface Signed {
  url: string;
  headers: Record<string, string>;
  body: string;
}

class Captured extends Error {
  constructor(readonly signed: Signed) {
    super('captured');
  }
}

/** The serialized JSON body: a string, or bytes (read as bytes, not through the SDK's string view of them). */
function bodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  const bytes = body as Uint8Array;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** An SDK client whose HTTP handler keeps the signed request instead of sending it. */
function capturingClient(credentials: AwsCredentials): KMSClient {
  const requestHandler = {
    handle: (request: { protocol: string; hostname: string; port?: number; path: string; headers: Record<string, string>; body?: unknown }) => {
      const url = `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}${request.path}`;
      return Promise.reject(new Captured({ url, headers: { ...request.headers }, body: bodyText(request.body) }));
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
  return new KMSClient({ endpoint: gw.url, region: REGION, credentials, maxAttempts: 1, requestHandler });
}

async function capture(credentials: AwsCredentials, call: (client: KMSClient) => Promise<unknown>): Promise<Signed> {
  try {
    await call(capturingClient(credentials));
  } catch (err) {
    if (err instanceof Captured) return err.signed;
    throw err;
  }
  throw new Error('the request was sent');
}

/** Sends a captured request, changed as asked (a header set to null is left out). */
async function replay(s: Signed, change: { headers?: Record<string, string | null>; body?: string } = {}): Promise<{ status: number; type?: string; message?: string; json: any }> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...s.headers, ...change.headers })) {
    // fetch sets Host and Content-Length itself (the same values: same URL, bodies of the same length).
    if (v !== null && !['host', 'content-length'].includes(k.toLowerCase())) headers[k] = v;
  }
  const res = await fetch(s.url, { method: 'POST', headers, body: change.body ?? s.body });
  const json = (await res.json()) as any;
  return { status: res.status, type: json.__type, message: json.message, json };
}

// ---- requests signed by hand with AWS's signer (@smithy/signature-v4, the SDK's own) ----------

type Data = string | ArrayBuffer | ArrayBufferView;
const asBuffer = (d: Data) => (typeof d === 'string' ? d : d instanceof ArrayBuffer ? Buffer.from(d) : Buffer.from(d.buffer, d.byteOffset, d.byteLength));

/** SHA-256 in the shape the signer takes (the SDK's comes from @aws-crypto). */
class Sha256 {
  private readonly h;
  constructor(secret?: Data) {
    this.h = secret ? createHmac('sha256', asBuffer(secret)) : createHash('sha256');
  }
  update(data: Data) {
    this.h.update(asBuffer(data));
  }
  digest() {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
}

/** A KMS request signed by hand: at `signingDate`, leaving out `unsigned` headers. */
async function signByHand(credentials: AwsCredentials, target: string, body: object, opts: { signingDate?: Date; unsigned?: string[] } = {}): Promise<Signed> {
  const url = new URL(gw.url);
  const signer = new SignatureV4({ credentials, region: REGION, service: 'kms', sha256: Sha256 });
  const req = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${target}` },
      body: JSON.stringify(body),
    },
    { signingDate: opts.signingDate ?? new Date(), unsignableHeaders: new Set(opts.unsigned ?? []) },
  );
  return { url: `${gw.url}/`, headers: req.headers, body: String(req.body) };
}

const header = (s: Signed, name: string) => Object.entries(s.headers).find(([k]) => k.toLowerCase() === name)?.[1];

describe('SigV4', () => {
  let key: KeyMetadata;
  let otherKey: KeyMetadata;
  beforeAll(async () => {
    key = (await a.send(new CreateKeyCommand({ Description: 'signed for' }))).KeyMetadata!;
    otherKey = (await a.send(new CreateKeyCommand({ Description: 'not signed for' }))).KeyMetadata!;
  });

  it('a captured request replayed as it is succeeds (AWS has no replay protection within the 5 minutes either)', async () => {
    const s = await capture(credsA, (c) => c.send(new DescribeKeyCommand({ KeyId: key.KeyId })));
    expect(header(s, 'x-amz-target')).toBe('TrentService.DescribeKey');
    expect(header(s, 'authorization')).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIA[A-Z2-7]{16}\/\d{8}\/eu-west-3\/kms\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/,
    );
    const r = await replay(s);
    expect(r.status).toBe(200);
    expect(r.json.KeyMetadata.KeyId).toBe(key.KeyId);
  });

  it('unknown access key: UnrecognizedClientException; wrong secret: InvalidSignatureException', async () => {
    expect(await refusal(kmsClient(gw, { accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: credsA.secretAccessKey }).send(new ListKeysCommand({})))).toMatchObject({
      name: 'UnrecognizedClientException',
      status: 400,
    });
    const wrongSecret = { ...credsA, secretAccessKey: `${credsA.secretAccessKey.slice(0, -1)}${credsA.secretAccessKey.endsWith('A') ? 'B' : 'A'}` };
    expect(await refusal(kmsClient(gw, wrongSecret).send(new ListKeysCommand({})))).toMatchObject({ name: 'InvalidSignatureException', status: 400 });
    // Tenant B's secret with tenant A's access key id.
    expect(await refusedAs(kmsClient(gw, { accessKeyId: credsA.accessKeyId, secretAccessKey: credsB.secretAccessKey }).send(new ListKeysCommand({})))).toBe(
      'InvalidSignatureException',
    );
  });

  it('X-Amz-Date more than 5 minutes off, either way, is refused; within 5 minutes it is accepted', async () => {
    const skewed = (ms: number) => kmsClient(gw, credsA, { systemClockOffset: ms }).send(new DescribeKeyCommand({ KeyId: key.KeyId }));
    expect(await refusal(skewed(-6 * 60_000))).toMatchObject({ name: 'InvalidSignatureException', message: expect.stringContaining('Signature expired') });
    expect(await refusal(skewed(6 * 60_000))).toMatchObject({ name: 'InvalidSignatureException', message: expect.stringContaining('Signature not yet current') });
    expect(await refusedAs(skewed(-24 * 3600_000))).toBe('InvalidSignatureException');
    expect((await skewed(-4 * 60_000)).KeyMetadata!.KeyId).toBe(key.KeyId);
    expect((await skewed(4 * 60_000)).KeyMetadata!.KeyId).toBe(key.KeyId);
  });

  it('signed by hand: accepted as the SDK is; refused when signed more than 5 minutes ago or to come', async () => {
    const ok = await replay(await signByHand(credsA, 'DescribeKey', { KeyId: key.KeyId }));
    expect(ok).toMatchObject({ status: 200, json: { KeyMetadata: { KeyId: key.KeyId } } });
    const stale = await replay(await signByHand(credsA, 'DescribeKey', { KeyId: key.KeyId }, { signingDate: new Date(Date.now() - 6 * 60_000) }));
    expect(stale).toMatchObject({ status: 400, type: 'InvalidSignatureException', message: expect.stringMatching(/^Signature expired/) });
    const future = await replay(await signByHand(credsA, 'DescribeKey', { KeyId: key.KeyId }, { signingDate: new Date(Date.now() + 6 * 60_000) }));
    expect(future).toMatchObject({ status: 400, type: 'InvalidSignatureException', message: expect.stringMatching(/^Signature not yet current/) });
  });

  it('a signature that leaves X-Amz-Target out is refused: the operation could be swapped', async () => {
    const s = await signByHand(credsA, 'DescribeKey', { KeyId: key.KeyId }, { unsigned: ['x-amz-target'] });
    expect(header(s, 'authorization')).not.toContain('x-amz-target');
    for (const target of ['TrentService.DescribeKey', 'TrentService.ScheduleKeyDeletion']) {
      expect([target, await replay(s, { headers: { 'x-amz-target': target } })]).toEqual([
        target,
        expect.objectContaining({ status: 400, type: 'InvalidSignatureException', message: "'X-Amz-Target' must be a signed header." }),
      ]);
    }
    expect((await a.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!.KeyState).toBe('Enabled');
  });

  it('a body changed after signing is InvalidSignatureException', async () => {
    const s = await capture(credsA, (c) => c.send(new DescribeKeyCommand({ KeyId: key.KeyId })));
    // Another key of the same length: same Content-Length, another body.
    const body = s.body.replace(key.KeyId!, otherKey.KeyId!);
    expect(body).not.toBe(s.body);
    expect(body).toHaveLength(s.body.length);
    expect(await replay(s, { body })).toMatchObject({ status: 400, type: 'InvalidSignatureException' });
    // Only whitespace added.
    expect(await replay(s, { body: `${s.body} ` })).toMatchObject({ status: 400, type: 'InvalidSignatureException' });
  });

  it('a signed request replayed under another X-Amz-Target is InvalidSignatureException', async () => {
    // A harmless DescribeKey turned into a destructive ScheduleKeyDeletion: same body, another operation.
    const s = await capture(credsA, (c) => c.send(new DescribeKeyCommand({ KeyId: key.KeyId })));
    for (const target of ['TrentService.ScheduleKeyDeletion', 'TrentService.DisableKey', 'TrentService.describekey']) {
      expect([target, await replay(s, { headers: { 'x-amz-target': target } })]).toEqual([target, expect.objectContaining({ status: 400, type: 'InvalidSignatureException' })]);
    }
    expect((await a.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!.KeyState).toBe('Enabled');
  });

  it('a changed date, region or signature, or a missing Authorization, is refused', async () => {
    const s = await capture(credsA, (c) => c.send(new DescribeKeyCommand({ KeyId: key.KeyId })));
    const auth = header(s, 'authorization')!;
    const amzDate = header(s, 'x-amz-date')!;
    const signature = auth.slice(-64);
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
    const laterDate = `${amzDate.slice(0, -3)}${String((Number(amzDate.slice(-3, -1)) + 1) % 60).padStart(2, '0')}Z`;
    const cases: Record<string, { headers?: Record<string, string | null> }> = {
      'signature changed': { headers: { authorization: auth.replace(signature, flipped) } },
      'date changed': { headers: { 'x-amz-date': laterDate } },
      'region changed': { headers: { authorization: auth.replace('/eu-west-3/', '/us-east-1/') } },
      'service changed': { headers: { authorization: auth.replace('/kms/', '/s3/') } },
      'another access key': { headers: { authorization: auth.replace(credsA.accessKeyId, credsB.accessKeyId) } },
    };
    for (const [what, change] of Object.entries(cases)) {
      expect([what, await replay(s, change)]).toEqual([what, expect.objectContaining({ status: 400, type: 'InvalidSignatureException' })]);
    }
    expect(await replay(s, { headers: { authorization: null } })).toMatchObject({ status: 403, type: 'MissingAuthenticationTokenException' });
    expect(await replay(s, { headers: { authorization: auth.replace(/, Signature=[0-9a-f]+$/, '') } })).toMatchObject({ status: 400, type: 'IncompleteSignatureException' });
    expect(await replay(s, { headers: { authorization: auth.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA1') } })).toMatchObject({
      status: 400,
      type: 'IncompleteSignatureException',
    });
    expect(await replay(s, { headers: { 'x-amz-date': null } })).toMatchObject({ status: 400, type: 'IncompleteSignatureException' });
  });

  it('any region signs; the answers use the region signed for', async () => {
    const m = (await kmsClient(gw, credsA, { region: 'ap-southeast-2' }).send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!;
    expect(m.Arn).toBe(`arn:aws:kms:ap-southeast-2:${key.AWSAccountId}:key/${key.KeyId}`);
  });

  it("a revoked access key is refused from the next request on (KMS_CACHE_TTL_MS=0); the tenant's other keys still work", async () => {
    const spare = await awsCredential(gw, 'aws-tenant-a');
    const doomed = kmsClient(gw, spare);
    expect((await doomed.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!.KeyId).toBe(key.KeyId);
    const revoked = await cli(gw.dataDir, ['credential', 'revoke', 'aws-access-key', spare.accessKeyId]);
    expect(revoked).toMatchObject({ code: 0, json: { revoked: true } });
    expect(await refusal(doomed.send(new DescribeKeyCommand({ KeyId: key.KeyId })))).toMatchObject({ name: 'UnrecognizedClientException', status: 400 });
    expect(await refusedAs(kmsClient(gw, spare).send(new ListKeysCommand({})))).toBe('UnrecognizedClientException');
    expect((await a.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!.KeyId).toBe(key.KeyId);
  });
});

describe('tenant isolation', () => {
  const create = async (input: CreateKeyCommandInput = {}) => (await a.send(new CreateKeyCommand(input))).KeyMetadata!;

  it('each tenant is its own AWS account', async () => {
    const ka = await create();
    const kb = (await b.send(new CreateKeyCommand({}))).KeyMetadata!;
    expect(ka.AWSAccountId).toMatch(/^\d{12}$/);
    expect(kb.AWSAccountId).toMatch(/^\d{12}$/);
    expect(ka.AWSAccountId).not.toBe(kb.AWSAccountId);
    // Stable: the same account on every request.
    expect((await a.send(new CreateKeyCommand({}))).KeyMetadata!.AWSAccountId).toBe(ka.AWSAccountId);
    expect(ka.Arn).toContain(`:${ka.AWSAccountId}:key/`);
    expect(kb.Arn).toContain(`:${kb.AWSAccountId}:key/`);
  });

  it("tenant B cannot reach tenant A's keys in any way: NotFoundException, worded as for a key that does not exist", async () => {
    const aes = await create();
    const signer = await create({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    const hmac = await create({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const external = await create({ Origin: 'EXTERNAL' });
    const sealed = await a.send(new EncryptCommand({ KeyId: aes.KeyId, Plaintext: Buffer.from('tenant A only') }));
    const own = (await b.send(new CreateKeyCommand({}))).KeyMetadata!;
    const bAccount = own.AWSAccountId!;
    const msg = Buffer.from('m');

    const attempts: Record<string, () => Promise<unknown>> = {
      'DescribeKey by id': () => b.send(new DescribeKeyCommand({ KeyId: aes.KeyId })),
      "DescribeKey by A's ARN": () => b.send(new DescribeKeyCommand({ KeyId: aes.Arn })),
      "DescribeKey by the ARN in B's account": () => b.send(new DescribeKeyCommand({ KeyId: aes.Arn!.replace(aes.AWSAccountId!, bAccount) })),
      Encrypt: () => b.send(new EncryptCommand({ KeyId: aes.KeyId, Plaintext: msg })),
      "Decrypt of A's blob": () => b.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob })),
      "Decrypt of A's blob naming A's key": () => b.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, KeyId: aes.KeyId })),
      "ReEncrypt of A's blob": () => b.send(new ReEncryptCommand({ CiphertextBlob: sealed.CiphertextBlob, DestinationKeyId: own.KeyId })),
      'ReEncrypt to A': () => b.send(new ReEncryptCommand({ CiphertextBlob: sealed.CiphertextBlob, DestinationKeyId: aes.KeyId })),
      GenerateDataKey: () => b.send(new GenerateDataKeyCommand({ KeyId: aes.KeyId, KeySpec: 'AES_256' })),
      Sign: () => b.send(new SignCommand({ KeyId: signer.KeyId, Message: msg, SigningAlgorithm: 'ECDSA_SHA_256' })),
      GetPublicKey: () => b.send(new GetPublicKeyCommand({ KeyId: signer.KeyId })),
      GenerateMac: () => b.send(new GenerateMacCommand({ KeyId: hmac.KeyId, Message: msg, MacAlgorithm: 'HMAC_SHA_256' })),
      DisableKey: () => b.send(new DisableKeyCommand({ KeyId: aes.KeyId })),
      ScheduleKeyDeletion: () => b.send(new ScheduleKeyDeletionCommand({ KeyId: aes.KeyId, PendingWindowInDays: 7 })),
      UpdateKeyDescription: () => b.send(new UpdateKeyDescriptionCommand({ KeyId: aes.KeyId, Description: 'mine now' })),
      TagResource: () => b.send(new TagResourceCommand({ KeyId: aes.KeyId, Tags: [{ TagKey: 'owner', TagValue: 'b' }] })),
      ListResourceTags: () => b.send(new ListResourceTagsCommand({ KeyId: aes.KeyId })),
      EnableKeyRotation: () => b.send(new EnableKeyRotationCommand({ KeyId: aes.KeyId })),
      GetKeyRotationStatus: () => b.send(new GetKeyRotationStatusCommand({ KeyId: aes.KeyId })),
      RotateKeyOnDemand: () => b.send(new RotateKeyOnDemandCommand({ KeyId: aes.KeyId })),
      ListKeyRotations: () => b.send(new ListKeyRotationsCommand({ KeyId: aes.KeyId })),
      "CreateAlias to A's key": () => b.send(new CreateAliasCommand({ AliasName: 'alias/stolen', TargetKeyId: aes.KeyId })),
      "ListAliases of A's key": () => b.send(new ListAliasesCommand({ KeyId: aes.KeyId })),
      GetParametersForImport: () => b.send(new GetParametersForImportCommand({ KeyId: external.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' })),
    };
    for (const [what, attempt] of Object.entries(attempts)) {
      const r = await refusal(attempt());
      expect([what, r.name, r.status]).toEqual([what, 'NotFoundException', 400]);
    }
    // No oracle: A's key and a key nobody has are refused in the same words.
    const unknown = '00000000-0000-4000-8000-000000000000';
    const words = async (KeyId: string) => {
      const messages = [
        (await refusal(b.send(new DescribeKeyCommand({ KeyId })))).message,
        (await refusal(b.send(new EncryptCommand({ KeyId, Plaintext: msg })))).message,
        (await refusal(b.send(new DisableKeyCommand({ KeyId })))).message,
      ];
      return messages.map((m) => m.replaceAll(KeyId, '<id>'));
    };
    expect(await words(aes.KeyId!)).toEqual(await words(unknown));

    // A's keys are as they were.
    expect(await a.send(new DescribeKeyCommand({ KeyId: aes.KeyId }))).toMatchObject({ KeyMetadata: { KeyState: 'Enabled', Description: '' } });
    expect((await a.send(new ListResourceTagsCommand({ KeyId: aes.KeyId }))).Tags).toEqual([]);
    expect((await a.send(new GetKeyRotationStatusCommand({ KeyId: aes.KeyId }))).KeyRotationEnabled).toBe(false);
    expect(Buffer.from((await a.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }))).Plaintext!).toString()).toBe('tenant A only');
  });

  it("aliases are per tenant: B sees none of A's and may use the same names", async () => {
    const ka = await create();
    await a.send(new CreateAliasCommand({ AliasName: 'alias/shared-name', TargetKeyId: ka.KeyId }));
    await a.send(new CreateAliasCommand({ AliasName: 'alias/a-only', TargetKeyId: ka.KeyId }));
    const kb = (await b.send(new CreateKeyCommand({}))).KeyMetadata!;
    const bNames = async () => (await b.send(new ListAliasesCommand({}))).Aliases!.map((x) => x.AliasName);
    expect(await bNames()).not.toContain('alias/a-only');
    expect(await refusedAs(b.send(new DescribeKeyCommand({ KeyId: 'alias/a-only' })))).toBe('NotFoundException');
    expect(await refusedAs(b.send(new EncryptCommand({ KeyId: 'alias/a-only', Plaintext: Buffer.from('x') })))).toBe('NotFoundException');
    expect(await refusedAs(b.send(new UpdateAliasCommand({ AliasName: 'alias/a-only', TargetKeyId: kb.KeyId })))).toBe('NotFoundException');
    // A's alias ARN, asked by B: another account.
    const aAliasArn = `arn:aws:kms:${REGION}:${ka.AWSAccountId}:alias/a-only`;
    expect(await refusedAs(b.send(new DescribeKeyCommand({ KeyId: aAliasArn })))).toBe('NotFoundException');

    await b.send(new CreateAliasCommand({ AliasName: 'alias/shared-name', TargetKeyId: kb.KeyId }));
    expect((await b.send(new DescribeKeyCommand({ KeyId: 'alias/shared-name' }))).KeyMetadata!.KeyId).toBe(kb.KeyId);
    expect((await a.send(new DescribeKeyCommand({ KeyId: 'alias/shared-name' }))).KeyMetadata!.KeyId).toBe(ka.KeyId);
    const bAliases = (await b.send(new ListAliasesCommand({}))).Aliases!;
    expect(bAliases.every((x) => x.AliasArn!.includes(`:${kb.AWSAccountId}:alias/`))).toBe(true);
    expect(bAliases.map((x) => x.TargetKeyId)).not.toContain(ka.KeyId);
  });

  it('ListKeys shows each tenant its own keys only', async () => {
    const aKeys = new Set((await a.send(new ListKeysCommand({ Limit: 1000 }))).Keys!.map((k) => k.KeyId));
    const bKeys = (await b.send(new ListKeysCommand({ Limit: 1000 }))).Keys!.map((k) => k.KeyId);
    expect(aKeys.size).toBeGreaterThan(0);
    expect(bKeys.length).toBeGreaterThan(0);
    expect(bKeys.filter((id) => aKeys.has(id))).toEqual([]);
  });
});
