import { badRequest } from './errors';

const ALPHABET = /^[A-Za-z0-9_-]*$/;

/**
 * Strict RFC 4648 §5 base64url without padding, as the vendor decodes it: node's own decoder
 * accepts garbage, so the alphabet, the length and the trailing bits are all checked here.
 */
export function decodeB64url(value: string, field: string): Buffer {
  const tail = value.length % 4;
  if (tail === 1 || !ALPHABET.test(value)) throw badRequest(`Field '${field}' is not valid base64url`);
  // A 2- or 3-character tail ends in a character whose low 4 or 2 bits are past the data: they
  // must be zero (RFC 4648 §3.5), or two spellings would decode to the same bytes. Checked on that
  // one character rather than by encoding the result back (a second copy of every payload).
  if (tail !== 0 && (sextet(value.charCodeAt(value.length - 1)) & (tail === 2 ? 0x0f : 0x03)) !== 0) {
    throw badRequest(`Field '${field}' is not valid base64url`);
  }
  return Buffer.from(value, 'base64url');
}

/** The 6-bit value of a base64url character (the caller has checked the alphabet). */
function sextet(c: number): number {
  if (c >= 0x61) return c - 0x61 + 26; // a-z
  if (c >= 0x41) return c === 0x5f ? 63 : c - 0x41; // _ , A-Z
  if (c >= 0x30) return c - 0x30 + 52; // 0-9
  return 62; // -
}

/** base64url of bytes (no copy of a Buffer) or of a string's UTF-8. */
export const b64url = (b: Buffer | Uint8Array | string): string =>
  (typeof b === 'string' ? Buffer.from(b) : Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)).toString('base64url');
