import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { SigV4Failure, SigningKeyCache, parseAuthorization, verifySignature, type SignedRequest } from './sigv4';

const bytes = (d: string | ArrayBuffer | ArrayBufferView) =>
  typeof d === 'string' ? d : d instanceof ArrayBuffer ? Buffer.from(d) : Buffer.from(d.buffer, d.byteOffset, d.byteLength);

/** A SHA-256 in the shape the AWS signer takes (its own comes from @aws-crypto, not installed here). */
class Sha256 {
  private readonly h;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.h.update(bytes(data));
  }
  digest() {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
}

const credentials = { accessKeyId: 'AKIAEXAMPLEEXAMPLE01', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const at = Date.UTC(2026, 11, 7, 3, 15, 0);

/** Signs with AWS's own signer (the one every JS SDK v3 client uses), as the SDK would send it. */
async function signed(body: string, headers: Record<string, string> = {}, region = 'eu-west-3', unsignableHeaders?: Set<string>): Promise<SignedRequest> {
  const signer = new SignatureV4({ credentials, region, service: 'kms', sha256: Sha256 });
  const req = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 8080,
      path: '/',
      headers: { host: '127.0.0.1:8080', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.Encrypt', ...headers },
      body,
    },
    { signingDate: new Date(at), unsignableHeaders },
  );
  const lower = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method: 'POST', path: '/', query: '', headers: lower, body: Buffer.from(body) };
}

const check = (req: SignedRequest, secret = credentials.secretAccessKey, now = at) => {
  const auth = parseAuthorization(req, now);
  verifySignature(req, auth, Buffer.from(secret), new SigningKeyCache());
  return auth;
};

const failure = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof SigV4Failure) return { type: err.type, message: err.message };
    throw err;
  }
  throw new Error('no failure');
};

describe('SigV4 verification against the AWS SDK signer', () => {
  it('accepts what the SDK signs, in any region, and reads the scope', async () => {
    const auth = check(await signed('{"KeyId":"alias/x","Plaintext":"aGk="}'));
    expect(auth).toMatchObject({ accessKeyId: credentials.accessKeyId, region: 'eu-west-3', service: 'kms', date: '20261207' });
    expect(check(await signed('{}', {}, 'us-east-1')).region).toBe('us-east-1');
  });

  it('refuses a wrong secret, a changed body, a changed target and a stale or future date', async () => {
    const req = await signed('{"KeyId":"k","Plaintext":"aGk="}');
    expect(failure(() => check(req, 'not-the-secret'))).toMatchObject({ type: 'InvalidSignatureException' });
    expect(failure(() => check({ ...req, body: Buffer.from('{"KeyId":"k","Plaintext":"aGl="}') }))).toMatchObject({ type: 'InvalidSignatureException' });
    expect(failure(() => check({ ...req, headers: { ...req.headers, 'x-amz-target': 'TrentService.Decrypt' } }))).toMatchObject({ type: 'InvalidSignatureException' });
    expect(failure(() => check(req, credentials.secretAccessKey, at + 5 * 60_000 + 1000))).toMatchObject({
      type: 'InvalidSignatureException',
      message: expect.stringMatching(/^Signature expired/),
    });
    expect(failure(() => check(req, credentials.secretAccessKey, at - 5 * 60_000 - 1000))).toMatchObject({
      type: 'InvalidSignatureException',
      message: expect.stringMatching(/not yet current/),
    });
    expect(check(req, credentials.secretAccessKey, at + 4 * 60_000).accessKeyId).toBe(credentials.accessKeyId);
  });

  it('refuses a signature that leaves the operation (X-Amz-Target) out, which would let it be replayed as another', async () => {
    const req = await signed('{"KeyId":"k"}', {}, 'eu-west-3', new Set(['x-amz-target']));
    expect(req.headers.authorization).not.toContain('x-amz-target');
    expect(failure(() => check(req))).toEqual({ type: 'InvalidSignatureException', message: "'X-Amz-Target' must be a signed header." });
  });

  it('names what is missing or malformed', async () => {
    const req = await signed('{}');
    const { authorization: _a, ...bare } = req.headers;
    expect(failure(() => check({ ...req, headers: bare }))).toMatchObject({ type: 'MissingAuthenticationTokenException' });
    const auth = req.headers.authorization as string;
    expect(failure(() => check({ ...req, headers: { ...req.headers, authorization: auth.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA1') } }))).toMatchObject({
      type: 'IncompleteSignatureException',
    });
    expect(failure(() => check({ ...req, headers: { ...req.headers, authorization: auth.replace('/kms/', '/s3/') } }))).toMatchObject({
      type: 'InvalidSignatureException',
      message: "Credential should be scoped to correct service: 'kms'.",
    });
    expect(failure(() => check({ ...req, headers: { ...req.headers, authorization: auth.replace(/, Signature=.*/, '') } }))).toMatchObject({
      type: 'IncompleteSignatureException',
    });
    expect(failure(() => check({ ...req, headers: { ...req.headers, 'x-amz-date': 'yesterday' } }))).toMatchObject({ type: 'IncompleteSignatureException' });
  });
});
