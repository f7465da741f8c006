import { createCipheriv, createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify-latest';
import type { MinimalConfig } from './config';
import { B64, iv12, sha256Hex } from './common';

/**
 * AWS KMS Encrypt by hand: `POST /` with `X-Amz-Target: TrentService.Encrypt`, the raw body kept
 * for the signature. SigV4 verified inline: the Authorization header parsed, X-Amz-Date within 5
 * minutes, the access key's secret looked up, the canonical request rebuilt from what arrived
 * (signed headers, the body's SHA-256), the string to sign HMAC'd under the signing key (cached
 * per access key and scope, as the gateway caches it) and compared in constant time. Then
 * AES-256-GCM of the plaintext with the canonical EncryptionContext as AAD, packed as the
 * gateway's CiphertextBlob (format, key id, version, iv, tag, ciphertext).
 */
const CONTENT_TYPE = 'application/x-amz-json-1.1';
const MAX_SKEW_MS = 5 * 60_000;
const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{8})\/([a-z0-9-]+)\/kms\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Body = Record<string, unknown>;

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

function error(reply: FastifyReply, status: number, type: string, message: string) {
  return reply.code(status).header('content-type', CONTENT_TYPE).header('x-amzn-errortype', type).send({ __type: type, message });
}

/** The EncryptionContext's canonical bytes (the gateway's AAD): count, then sorted (key, value), each with its 2-byte length. */
function contextBytes(ctx: Record<string, string>): Buffer {
  const pairs = Object.entries(ctx).map(([k, v]) => [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')] as const);
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]));
  const u16 = (n: number) => {
    const b = Buffer.allocUnsafe(2);
    b.writeUInt16BE(n);
    return b;
  };
  const parts = [u16(pairs.length)];
  for (const [k, v] of pairs) parts.push(u16(k.length), k, u16(v.length), v);
  return Buffer.concat(parts);
}

export function awsRoutes(app: FastifyInstance, cfg: NonNullable<MinimalConfig['aws']>): void {
  const secrets = new Map(cfg.accessKeys.map((k) => [k.accessKeyId, { secret: k.secretAccessKey, tenant: k.tenant }]));
  const accounts = new Map(cfg.accessKeys.map((k) => [k.tenant, accountOf(k.tenant)]));
  const keys = new Map(cfg.keys.map((k) => [k.keyId, { tenant: k.tenant, material: Buffer.from(k.material, 'base64'), header: blobHeader(k.keyId, 1) }]));
  const signingKeys = new Map<string, Buffer>();

  app.addContentTypeParser(CONTENT_TYPE, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.post('/', async (req, reply) => {
    const body = req.body as Buffer;
    // SigV4
    const m = AUTH.exec(String(req.headers.authorization ?? ''));
    if (!m) return error(reply, 400, 'IncompleteSignatureException', 'Authorization header is malformed');
    const [, accessKeyId, day, region, signed, signature] = m;
    const names = signed.split(';');
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    const d = AMZ_DATE.exec(amzDate);
    if (!d || amzDate.slice(0, 8) !== day || !names.includes('host') || !names.includes('x-amz-target')) return error(reply, 400, 'InvalidSignatureException', 'bad scope');
    if (Math.abs(Date.now() - Date.UTC(+d[1], +d[2] - 1, +d[3], +d[4], +d[5], +d[6])) > MAX_SKEW_MS) return error(reply, 400, 'InvalidSignatureException', 'Signature expired');
    const cred = secrets.get(accessKeyId);
    if (!cred) return error(reply, 400, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    const slot = `${accessKeyId}/${day}/${region}`;
    let signingKey = signingKeys.get(slot);
    if (!signingKey) signingKeys.set(slot, (signingKey = hmac(hmac(hmac(hmac(`AWS4${cred.secret}`, day), region), 'kms'), 'aws4_request')));
    const [path, query = ''] = req.url.split('?', 2);
    if (path !== '/' || query !== '') return error(reply, 400, 'InvalidSignatureException', 'unexpected path');
    const canonical = `POST\n/\n\n${names
      .map(
        (n) =>
          `${n}:${String(req.headers[n] ?? '')
            .trim()
            .replace(/\s+/g, ' ')}\n`,
      )
      .join('')}\n${signed}\n${createHash('sha256').update(body).digest('hex')}`;
    const expected = hmac(signingKey, `AWS4-HMAC-SHA256\n${amzDate}\n${day}/${region}/kms/aws4_request\n${sha256Hex(canonical)}`);
    const given = Buffer.from(signature, 'hex');
    if (!timingSafeEqual(given, expected)) return error(reply, 400, 'InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.');

    // Encrypt
    if (req.headers['x-amz-target'] !== 'TrentService.Encrypt') return error(reply, 400, 'UnknownOperationException', 'only Encrypt here');
    let input: Body;
    try {
      input = JSON.parse(body.toString('utf8')) as Body;
    } catch {
      return error(reply, 400, 'SerializationException', 'not JSON');
    }
    const keyId = input.KeyId;
    const key = typeof keyId === 'string' && UUID.test(keyId) ? keys.get(keyId) : undefined;
    if (typeof keyId !== 'string' || !key || key.tenant !== cred.tenant) return error(reply, 400, 'NotFoundException', `Key '${String(keyId)}' does not exist`);
    const p = input.Plaintext;
    if (typeof p !== 'string' || p.length === 0 || p.length % 4 !== 0 || !B64.test(p)) return error(reply, 400, 'ValidationException', 'Plaintext');
    const plaintext = Buffer.from(p, 'base64');
    if (plaintext.length > 4096) return error(reply, 400, 'ValidationException', 'Plaintext');
    const ctx = input.EncryptionContext ?? {};
    if (typeof ctx !== 'object' || ctx === null || Object.values(ctx).some((v) => typeof v !== 'string')) return error(reply, 400, 'ValidationException', 'EncryptionContext');
    if (input.EncryptionAlgorithm !== undefined && input.EncryptionAlgorithm !== 'SYMMETRIC_DEFAULT') return error(reply, 400, 'InvalidKeyUsageException', 'symmetric key');
    const iv = iv12();
    const c = createCipheriv('aes-256-gcm', key.material, iv);
    c.setAAD(contextBytes(ctx as Record<string, string>));
    const ct = c.update(plaintext);
    c.final();
    const blob = Buffer.concat([key.header, iv, c.getAuthTag(), ct]);
    return reply
      .header('content-type', CONTENT_TYPE)
      .header('x-amzn-requestid', String(req.id))
      .send({ CiphertextBlob: blob.toString('base64'), KeyId: `arn:aws:kms:${region}:${accounts.get(cred.tenant)}:key/${keyId}`, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
  });
}

/** The gateway's account number of a tenant (the 12 digits in its ARNs). */
function accountOf(tenantId: string): string {
  const n = createHash('sha256').update(`aws-account:${tenantId}`).digest().readBigUInt64BE(0) % 10n ** 12n;
  return n.toString().padStart(12, '0');
}

/** format 0x01, the key id's 16 bytes, the version (4 bytes, big-endian). */
function blobHeader(keyId: string, version: number): Buffer {
  const out = Buffer.alloc(21);
  out[0] = 0x01;
  Buffer.from(keyId.replace(/-/g, ''), 'hex').copy(out, 1);
  out.writeUInt32BE(version, 17);
  return out;
}
