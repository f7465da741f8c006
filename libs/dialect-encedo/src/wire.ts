import { hem } from './hem-error';

/**
 * Readers for what the body DTOs do not cover (path parameters, fields whose check needs the key
 * first) and the parsing the DTO rules share. Every malformed field is a 400 (notes §6).
 */
export type Body = Record<string, unknown>;

export function bodyOf(raw: unknown): Body {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw hem(400, 'body must be a JSON object');
  return raw as Body;
}

export const KID_RE = /^[0-9a-fA-F]{32}$/;
/** The device emits lowercase KIDs and accepts either case. */
export function kidOf(v: unknown): string {
  if (typeof v !== 'string' || !KID_RE.test(v)) throw hem(400, 'kid');
  return v.toLowerCase();
}

const B64_RE = /^[A-Za-z0-9+/_-]*={0,2}$/;
/** Standard or URL-safe base64, padding optional (notes §1); null when it is not base64. */
export function parseB64(v: unknown): Buffer | null {
  if (typeof v !== 'string' || !B64_RE.test(v) || v.replace(/=+$/, '').length % 4 === 1) return null;
  return Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** Byte limits of a base64 field; empty is refused unless allowed (or `min` is 0). */
export interface B64Limits {
  max?: number;
  min?: number;
  allowEmpty?: boolean;
}
export function withinLimits(bytes: Buffer, opts: B64Limits): boolean {
  if (!opts.allowEmpty && bytes.length === 0 && (opts.min ?? 1) > 0) return false;
  return (opts.max === undefined || bytes.length <= opts.max) && (opts.min === undefined || bytes.length >= opts.min);
}

export function decodeB64(v: unknown, field: string, opts: B64Limits = {}): Buffer {
  const bytes = parseB64(v);
  if (!bytes || !withinLimits(bytes, opts)) throw hem(400, field);
  return bytes;
}
export const optionalB64 = (v: unknown, field: string, opts: { max?: number; min?: number } = {}): Buffer | undefined =>
  v === undefined || v === null ? undefined : decodeB64(v, field, { ...opts, allowEmpty: true });

export function intOf(v: unknown, field: string, min: number, max: number): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw hem(400, field);
  return n;
}

/** Device limits (notes §4, §3, §8.6). */
export const LIMITS = {
  msg: 2048,
  /** Label: printable ASCII, 1-32 characters (S). */
  label: /^[\x20-\x7e]{1,32}$/,
  descr: 64,
  ctx: 255,
  page: 15,
  /** JSON body larger than this is refused with 413 before parsing. */
  body: 7300,
  searchNeedle: 64,
  /** Shortest `^` needle a token-less (allow_keysearch) search may use. */
  keysearchMin: 6,
} as const;
