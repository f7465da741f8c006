import { createHmac, timingSafeEqual } from 'node:crypto';
import { type AcceptOptions, acceptedSignStrings } from './sign-string';

/**
 * Whether `sign` is the base64 HMAC-SHA256 under the app's apikey of one of the strings a client
 * may have signed for these params (sign-string.ts), as sent or upper-cased: the vendor documents
 * tell clients to upper-case it (a 2022 leftover).
 */
export function signatureMatches(secret: string | Buffer, params: Record<string, unknown>, sign: string, opts: AcceptOptions = {}): boolean {
  return acceptedSignStrings(params, opts).some((text) => {
    const expected = createHmac('sha256', secret).update(text, 'utf8').digest('base64');
    return sameText(sign, expected) || sameText(sign, expected.toUpperCase());
  });
}

/** Constant time for equal lengths; the length of a base64 HMAC-SHA256 is public (44). */
function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
