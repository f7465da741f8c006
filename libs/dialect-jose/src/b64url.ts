import { badRequest } from './errors';

const ALPHABET = /^[A-Za-z0-9_-]*$/;

/**
 * Strict RFC 4648 §5 base64url without padding, as the vendor decodes it: node's own decoder
 * accepts garbage, so the alphabet, the length and the trailing bits are all checked here.
 */
export function decodeB64url(value: string, field: string): Buffer {
  if (!ALPHABET.test(value) || value.length % 4 === 1) throw badRequest(`Field '${field}' is not valid base64url`);
  const bytes = Buffer.from(value, 'base64url');
  if (bytes.toString('base64url') !== value) throw badRequest(`Field '${field}' is not valid base64url`);
  return bytes;
}

export const b64url = (b: Buffer | Uint8Array | string) => Buffer.from(b).toString('base64url');
