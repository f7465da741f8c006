import { createDecipheriv } from 'node:crypto';
import { CreateKeyCommand, KMSClient, type CreateKeyCommandInput, type KeyMetadata } from '@aws-sdk/client-kms';
import { NOT_ON_SOFTHSM, backendHolds, noteRefusal } from '../support/backend';
import { cli, type Gateway } from '../support/server';

/**
 * Shared pieces of the AWS KMS end-to-end suites: every call goes through the real AWS SDK for
 * JavaScript v3 (`@aws-sdk/client-kms`), SigV4 and all, against the built gateway on loopback.
 */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export const REGION = 'eu-west-3';

/** An SDK client for the gateway; one attempt only, so that a refusal is seen as it came. */
export function kmsClient(gw: Gateway, credentials: AwsCredentials, extra: { region?: string; systemClockOffset?: number } = {}): KMSClient {
  return new KMSClient({ endpoint: gw.url, region: extra.region ?? REGION, credentials, maxAttempts: 1, systemClockOffset: extra.systemClockOffset });
}

/** Creates a tenant with the admin CLI and issues it an AWS access key. */
export async function awsTenant(gw: Gateway, name: string): Promise<AwsCredentials> {
  expect((await cli(gw.dataDir, ['tenant', 'create', name])).code).toBe(0);
  return awsCredential(gw, name);
}

/** Another AWS access key of an existing tenant. */
export async function awsCredential(gw: Gateway, tenant: string): Promise<AwsCredentials> {
  const issued = await cli(gw.dataDir, ['credential', 'aws', tenant]);
  expect(issued.code).toBe(0);
  expect(issued.json.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
  expect(issued.json.secretAccessKey).toHaveLength(40);
  return { accessKeyId: issued.json.accessKeyId, secretAccessKey: issued.json.secretAccessKey };
}

export interface Refusal {
  name: string;
  message: string;
  status?: number;
}

/** The exception name, message and HTTP status an SDK call failed with; fails the test if it succeeded. */
export async function refusal(p: Promise<unknown>): Promise<Refusal> {
  let result: unknown;
  try {
    result = await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error(`the call succeeded: ${JSON.stringify(result)}`);
}

/** The exception name alone, for tables of refusals. */
export const refusedAs = async (p: Promise<unknown>) => (await refusal(p)).name;

/**
 * A test that needs a key of the canonical `spec`. On a backend that cannot hold it (SM2 on
 * SoftHSM2) CreateKey must answer UnsupportedOperationException, recorded as `what` for
 * describeRefusals(); otherwise the key is made and `body` runs with it.
 */
export async function withKeyOf(kms: KMSClient, input: CreateKeyCommandInput, spec: string, what: string, body: (m: KeyMetadata) => Promise<void>): Promise<void> {
  if (backendHolds(spec)) {
    await body((await kms.send(new CreateKeyCommand(input))).KeyMetadata!);
  } else {
    expect(await refusal(kms.send(new CreateKeyCommand(input)))).toMatchObject({ name: 'UnsupportedOperationException', status: 400 });
    noteRefusal(what, NOT_ON_SOFTHSM[spec]);
  }
}

export const bytes = (b: Uint8Array | undefined): Buffer => {
  if (!b) throw new Error('expected bytes in the answer');
  return Buffer.from(b);
};

/**
 * The gateway's ciphertext blob of a symmetric key, read by the test itself from the documented
 * layout: format 0x01, key UUID (16 bytes), key version (u32 BE), IV (12), tag (16), ciphertext.
 */
export interface ParsedBlob {
  format: number;
  keyId: string;
  version: number;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

export function parseBlob(blob: Uint8Array): ParsedBlob {
  const b = Buffer.from(blob);
  const hex = b.subarray(1, 17).toString('hex');
  return {
    format: b[0],
    keyId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
    version: b.readUInt32BE(17),
    iv: b.subarray(21, 33),
    tag: b.subarray(33, 49),
    ciphertext: b.subarray(49),
  };
}

/** The AAD of a blob: u16 BE count, then pairs sorted by UTF-8 key bytes, each part preceded by its u16 BE length. */
export function contextAad(context: Record<string, string> = {}): Buffer {
  const u16 = (n: number) => {
    const out = Buffer.alloc(2);
    out.writeUInt16BE(n);
    return out;
  };
  const pairs = Object.entries(context)
    .map(([k, v]) => [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')])
    .sort((x, y) => Buffer.compare(x[0], y[0]));
  return Buffer.concat([u16(pairs.length), ...pairs.flatMap(([k, v]) => [u16(k.length), k, u16(v.length), v])]);
}

/** Opens a blob with the AES-256 key material the test knows (imported material), following the layout above. */
export function openBlobLocally(material: Buffer, blob: Uint8Array, context?: Record<string, string>): Buffer {
  const b = parseBlob(blob);
  const d = createDecipheriv('aes-256-gcm', material, b.iv);
  d.setAAD(contextAad(context));
  d.setAuthTag(b.tag);
  return Buffer.concat([d.update(b.ciphertext), d.final()]);
}
