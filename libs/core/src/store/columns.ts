import type { ValueTransformer } from 'typeorm';

/**
 * Column helpers that read the same on SQLite and PostgreSQL: times are epoch milliseconds in a
 * bigint (pg returns bigint as a string), binary values are base64 text, bags are JSON text.
 */
export const msTransformer: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | number | null) => (v === null || v === undefined ? null : Number(v)),
};
export const b64Transformer: ValueTransformer = {
  to: (v: Buffer | null | undefined) => (v ? v.toString('base64') : v),
  from: (v: string | null) => (v === null || v === undefined ? null : Buffer.from(v, 'base64')),
};
export const jsonTransformer: ValueTransformer = {
  to: (v: unknown) => (v === undefined ? undefined : JSON.stringify(v ?? {})),
  from: (v: string | null) => (v ? (JSON.parse(v) as unknown) : {}),
};
export const listTransformer: ValueTransformer = {
  to: (v: string[] | undefined) => v?.join(','),
  from: (v: string | null) => (v ? v.split(',') : []),
};
