import { decodeB64url } from './b64url';
import { badRequest } from './errors';

/** Decodes a protected header: base64url, then a JSON object; both failures are 400. */
export function parseProtected(protectedB64: string): Record<string, unknown> {
  const raw = decodeB64url(protectedB64, 'protected');
  let header: unknown;
  try {
    header = JSON.parse(raw.toString('utf8'));
  } catch {
    throw badRequest('Protected header is not valid JSON');
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw badRequest('Protected header is missing `kid`');
  return header as Record<string, unknown>;
}

export function headerString(h: Record<string, unknown>, member: string): string | undefined {
  const v = h[member];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badRequest(`Protected header member \`${member}\` must be a string`);
  return v;
}
