import type { PipeTransform } from '@nestjs/common';
import { hem } from '../hem-error';
import { type B64Limits, type Body, bodyOf, decodeB64, kidOf } from '../wire';

/**
 * Body pipes of the crypto routes: a table of field readers per route, each turning the field
 * into its typed value or refusing it with HEM's 400. The crypto routes are the dialect's hot
 * path, and class-validator cost them too much there (docs/encedo.md, "Validation"), so they are
 * checked by this table instead; the other routes keep their class-validator DTOs.
 */
export type Field<T> = (value: unknown, body: Body) => T;

type Table<T> = { [K in keyof T]: Field<T[K]> };

/** The typed body a table makes. */
export type BodyOf<P> = P extends FieldTablePipe<infer T> ? T : never;

export class FieldTablePipe<T> implements PipeTransform<unknown, T> {
  private readonly entries: Array<[string, Field<unknown>]>;

  constructor(table: Table<T>) {
    this.entries = Object.entries<Field<unknown>>(table as Record<string, Field<unknown>>);
  }

  transform(value: unknown): T {
    const body = bodyOf(value);
    const out: Record<string, unknown> = {};
    for (const [name, read] of this.entries) out[name] = read(body[name], body);
    return out as T;
  }
}

export const fieldTable = <T>(table: Table<T>) => new FieldTablePipe<T>(table);

const absent = (v: unknown) => v === undefined || v === null;

/** A KID: 32 hex digits, either case; answered lowercase. */
export const kid: Field<string> = (v) => kidOf(v);

/** Absent, null and '' are none. */
export const optionalKid: Field<string | undefined> = (v, body) => (absent(v) || v === '' ? undefined : kid(v, body));

/** Base64 bytes within limits (standard or URL-safe, padding optional). */
export const bytes =
  (limits: B64Limits & { multipleOf?: number } = {}): Field<Buffer> =>
  (v) => {
    const b = decodeB64(v, 'base64 field', limits);
    if (b.length % (limits.multipleOf ?? 1) !== 0) throw hem(400, 'not a whole number of units');
    return b;
  };

/** Absent or null is none; present, it may be empty. */
export const optionalBytes = (limits: B64Limits = {}): Field<Buffer | undefined> => {
  const read = bytes({ ...limits, allowEmpty: true });
  return (v, body) => (absent(v) ? undefined : read(v, body));
};

/** One of a table's own names (`constructor` is not an algorithm). */
export const oneOf =
  <K extends string>(table: Readonly<Record<K, unknown>>): Field<K> =>
  (v) => {
    if (typeof v !== 'string' || !Object.hasOwn(table, v)) throw hem(400, 'not a known name');
    return v as K;
  };

export const optional =
  <T>(read: Field<T>): Field<T | undefined> =>
  (v, body) =>
    absent(v) ? undefined : read(v, body);

/** A field only some requests have (by another field's value); the others ignore it, whatever it holds. */
export const when =
  <T>(applies: (body: Body) => boolean, read: Field<T>): Field<T | undefined> =>
  (v, body) =>
    applies(body) ? read(v, body) : undefined;

/** Read by the handler once the key is known (its meaning depends on the key). */
export const raw: Field<unknown> = (v) => v;

export const matching =
  (re: RegExp): Field<string> =>
  (v) => {
    if (typeof v !== 'string' || !re.test(v)) throw hem(400, 'pattern');
    return v;
  };
