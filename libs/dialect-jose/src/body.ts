import { badRequest } from './errors';

/** Request-body readers: unknown fields are ignored (as the vendor does); wrong types are 400. */
export type Body = Record<string, unknown>;

export function asBody(body: unknown): Body {
  if (body === null || body === undefined || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('Invalid request body: expected a JSON object');
  }
  return body as Body;
}

export function requireString(b: Body, field: string): string {
  const v = b[field];
  if (v === undefined || v === null) throw badRequest(`Invalid request body: missing field \`${field}\``);
  if (typeof v !== 'string') throw badRequest(`Invalid request body: field \`${field}\` must be a string`);
  return v;
}

export function optionalString(b: Body, field: string): string | undefined {
  const v = b[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`Invalid request body: field \`${field}\` must be a string`);
  return v;
}

export function optionalUint(b: Body, field: string): number | undefined {
  const v = b[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw badRequest(`Invalid request body: field \`${field}\` must be a non-negative integer`);
  return v;
}
