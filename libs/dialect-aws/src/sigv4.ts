import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * AWS Signature Version 4, as a server checks it (docs: "Create a signed AWS API request"). The
 * client signs a canonical form of the request with a key derived from its secret, the day, the
 * region and the service; the server rebuilds the same form from what arrived (the raw body
 * included) and compares in constant time. Only header-signed requests are served: KMS clients
 * never presign.
 */

export const ALGORITHM = 'AWS4-HMAC-SHA256';
/** How far X-Amz-Date may be from our clock, either way (AWS: 5 minutes). */
export const MAX_SKEW_MS = 5 * 60_000;

export interface SignedRequest {
  method: string;
  /** The path as sent (still percent-encoded), without the query. */
  path: string;
  /** The query string as sent, without `?`; empty for none. */
  query: string;
  /** Lowercase names; repeated headers joined as node does. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** What the Authorization header says. */
export interface Authorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  /** X-Amz-Date (or Date) as sent, and as epoch ms. */
  amzDate: string;
  at: number;
}

/** Why a request's signature cannot be checked or does not hold, in AWS's exception names and words. */
export class SigV4Failure extends Error {
  constructor(
    readonly type: 'MissingAuthenticationTokenException' | 'IncompleteSignatureException' | 'InvalidSignatureException' | 'UnrecognizedClientException',
    message: string,
  ) {
    super(message);
  }
}

const header = (req: SignedRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

/** Parses the Authorization header and the request date; refuses what is malformed or stale. */
export function parseAuthorization(req: SignedRequest, now: number): Authorization {
  const auth = header(req, 'authorization');
  if (!auth) throw new SigV4Failure('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const space = auth.indexOf(' ');
  if (space < 0 || auth.slice(0, space) !== ALGORITHM) throw new SigV4Failure('IncompleteSignatureException', `Unsupported signature algorithm: only ${ALGORITHM} is accepted`);
  const parts = new Map<string, string>();
  for (const part of auth.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) parts.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = parts.get('Credential');
  const signedHeaders = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  if (!credential || !signedHeaders || !signature) {
    const missing = [!credential && 'Credential', !signedHeaders && 'SignedHeaders', !signature && 'Signature'].filter(Boolean).join(', ');
    throw new SigV4Failure('IncompleteSignatureException', `Authorization header requires ${missing} parameter(s). Authorization=${ALGORITHM} ...`);
  }
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request')
    throw new SigV4Failure('IncompleteSignatureException', `Credential should be scoped to a valid region, service and terminated with aws4_request`);
  const [accessKeyId, date, region, service] = scope;
  if (service !== 'kms') throw new SigV4Failure('InvalidSignatureException', `Credential should be scoped to correct service: 'kms'.`);
  if (!/^[0-9a-f]{64}$/.test(signature)) throw new SigV4Failure('InvalidSignatureException', SIGNATURE_MISMATCH);
  const names = signedHeaders.split(';');
  if (!names.includes('host')) throw new SigV4Failure('InvalidSignatureException', "'Host' must be a signed header.");
  // The operation is a header: unsigned, a captured request could be replayed as any other operation (a DescribeKey as a ScheduleKeyDeletion).
  if (!names.includes('x-amz-target')) throw new SigV4Failure('InvalidSignatureException', "'X-Amz-Target' must be a signed header.");
  const amzDate = header(req, 'x-amz-date') ?? header(req, 'date');
  if (!amzDate) throw new SigV4Failure('IncompleteSignatureException', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  const at = parseAmzDate(amzDate);
  if (at === null) throw new SigV4Failure('IncompleteSignatureException', `Date must be in ISO-8601 'basic format'. Got '${amzDate.slice(0, 40)}'.`);
  if (amzDate.slice(0, 8) !== date)
    throw new SigV4Failure(
      'InvalidSignatureException',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${amzDate.slice(0, 8)}'`,
    );
  if (Math.abs(now - at) > MAX_SKEW_MS) {
    const bound = new Date(at > now ? now + MAX_SKEW_MS : now - MAX_SKEW_MS);
    throw new SigV4Failure(
      'InvalidSignatureException',
      `Signature ${at > now ? 'not yet current' : 'expired'}: ${amzDate} is now ${at > now ? 'later' : 'earlier'} than ${basicFormat(bound)} (${basicFormat(new Date(now))} ${at > now ? '+' : '-'} 5 min.)`,
    );
  }
  return { accessKeyId, date, region, service, signedHeaders: names, signature, amzDate, at };
}

export const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** Checks the signature with the access key's secret; throws InvalidSignatureException if it does not hold. */
export function verifySignature(req: SignedRequest, auth: Authorization, secret: Buffer, keys: SigningKeyCache): void {
  const stringToSign = `${ALGORITHM}\n${auth.amzDate}\n${auth.date}/${auth.region}/${auth.service}/aws4_request\n${sha256Hex(canonicalRequest(req, auth.signedHeaders))}`;
  const expected = createHmac('sha256', keys.get(secret, auth)).update(stringToSign, 'utf8').digest();
  const given = Buffer.from(auth.signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new SigV4Failure('InvalidSignatureException', SIGNATURE_MISMATCH);
}

export function canonicalRequest(req: SignedRequest, signedHeaders: string[]): string {
  const headers = signedHeaders.map((name) => `${name}:${canonicalHeaderValue(header(req, name))}\n`).join('');
  return [req.method.toUpperCase(), canonicalUri(req.path), canonicalQuery(req.query), headers, signedHeaders.join(';'), sha256Hex(req.body)].join('\n');
}

/** Non-S3 services: each segment of the path as sent is percent-encoded once more (RFC 3986 unreserved set kept). */
function canonicalUri(path: string): string {
  if (path === '' || path === '/') return '/';
  return path
    .split('/')
    .map((seg) => uriEscape(seg))
    .join('/');
}

function canonicalQuery(query: string): string {
  if (!query) return '';
  const pairs = query.split('&').map((p) => {
    const eq = p.indexOf('=');
    const [k, v] = eq < 0 ? [p, ''] : [p.slice(0, eq), p.slice(eq + 1)];
    return [uriEscape(safeDecode(k)), uriEscape(safeDecode(v))] as const;
  });
  pairs.sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** Trimmed, with runs of spaces collapsed to one (outside quotes is what AWS says; clients never quote here). */
function canonicalHeaderValue(v: string | undefined): string {
  return (v ?? '').trim().replace(/\s+/g, ' ');
}

function uriEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, '%20'));
  } catch {
    return s;
  }
}

export const sha256Hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** `20261207T031500Z` as epoch ms, or null. */
export function parseAmzDate(v: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v);
  if (!m) return null;
  const at = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  return Number.isNaN(at) ? null : at;
}

const basicFormat = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/**
 * The signing key depends on the secret, the day, the region and the service only: four HMACs a
 * client's requests share all day. Keyed by the access key (whose secret never changes) and the
 * scope; bounded, oldest dropped first.
 */
export class SigningKeyCache {
  private readonly map = new Map<string, Buffer>();
  constructor(private readonly max = 1024) {}

  get(secret: Buffer, auth: Pick<Authorization, 'accessKeyId' | 'date' | 'region' | 'service'>): Buffer {
    const slot = `${auth.accessKeyId}/${auth.date}/${auth.region}/${auth.service}`;
    let key = this.map.get(slot);
    if (!key) {
      key = signingKey(secret, auth.date, auth.region, auth.service);
      if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value as string);
      this.map.set(slot, key);
    }
    return key;
  }

  /** Drops a revoked access key's derived keys. */
  forget(accessKeyId?: string): void {
    if (accessKeyId === undefined) return this.map.clear();
    for (const slot of this.map.keys()) if (slot.startsWith(`${accessKeyId}/`)) this.map.delete(slot);
  }
}

export function signingKey(secret: Buffer, date: string, region: string, service: string): Buffer {
  const hmac = (key: Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();
  return hmac(hmac(hmac(hmac(Buffer.concat([Buffer.from('AWS4'), secret]), date), region), service), 'aws4_request');
}
