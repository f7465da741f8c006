import { createHash, createHmac } from 'node:crypto';

/**
 * The bench's own AWS Signature Version 4 signer (client side), written from AWS's documentation
 * ("Create a signed AWS API request"), not imported from the gateway: a canonical request, its
 * SHA-256 in the string to sign, and an HMAC-SHA256 under the key derived from the secret, the
 * day, the region and the service. Signs what the bench sends: `POST /` of AWS KMS's JSON API,
 * no query, header-signed (host, x-amz-date, x-amz-target, content-type).
 */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface AwsRequest {
  /** The Host header the request is sent with (part of the signature). */
  host: string;
  /** The operation, `TrentService.<Name>`. */
  target: string;
  body: string;
  region: string;
  /** When it is signed: X-Amz-Date, which the server accepts within 5 minutes of its clock. */
  at: Date;
}

const CONTENT_TYPE = 'application/x-amz-json-1.1';
const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** `20261207T031500Z` */
export const amzDate = (d: Date): string =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** The headers of a signed request (lowercase names), Authorization included. */
export function signAwsRequest(req: AwsRequest, cred: AwsCredentials): Record<string, string> {
  const date = amzDate(req.at);
  const day = date.slice(0, 8);
  const headers: Record<string, string> = { 'content-type': CONTENT_TYPE, host: req.host, 'x-amz-date': date, 'x-amz-target': req.target };
  const names = Object.keys(headers).sort();
  const canonical = ['POST', '/', '', names.map((n) => `${n}:${headers[n].trim()}\n`).join(''), names.join(';'), sha256Hex(req.body)].join('\n');
  const scope = `${day}/${req.region}/kms/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${date}\n${scope}\n${sha256Hex(canonical)}`;
  const key = hmac(hmac(hmac(hmac(`AWS4${cred.secretAccessKey}`, day), req.region), 'kms'), 'aws4_request');
  const signature = hmac(key, stringToSign).toString('hex');
  return { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${cred.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` };
}
