import type { PipeTransform } from '@nestjs/common';
import type { Schema } from '@kms/dialect-kit';
import { hem } from '../hem-error';
import { type B64Limits, type Body, KID_RE, bodyOf, decodeB64, kidOf } from '../wire';

/**
 * Body pipes of the crypto routes: a table of field readers per route, each turning the field
 * into its typed value or refusing it with HEM's 400. The crypto routes are the dialect's hot
 * path, and class-validator cost them too much there (docs/encedo.md, "Validation"), so they are
 * checked by this table instead; the other routes keep their class-validator DTOs.
 */
export type Field<T> = ((value: unknown, body: Body) => T) & { doc?: FieldDoc };

/** What a reader accepts, in JSON Schema, and whether the field must be there: the OpenAPI document (../openapi.ts) reads it. */
export interface FieldDoc {
  schema: Schema;
  required: boolean;
}

/** A reader, with its documentation. */
const documented = <T>(read: (value: unknown, body: Body) => T, schema: Schema, required = true): Field<T> => Object.assign(read, { doc: { schema, required } });
const docOf = (read: Field<unknown>): FieldDoc => read.doc ?? { schema: {}, required: false };
const descriptionOf = (schema: Schema) => (typeof schema.description === 'string' ? schema.description : 'checked');

type Table<T> = { [K in keyof T]: Field<T[K]> };

/** The typed body a table makes. */
export type BodyOf<P> = P extends FieldTablePipe<infer T> ? T : never;

export class FieldTablePipe<T> implements PipeTransform<unknown, T> {
  private readonly entries: Array<[string, Field<unknown>]>;

  constructor(table: Table<T>) {
    this.entries = Object.entries<Field<unknown>>(table as Record<string, Field<unknown>>);
  }

  /** The body's JSON Schema, from the same readers that check it. */
  schema(): Schema {
    const properties = Object.fromEntries(this.entries.map(([name, read]) => [name, docOf(read).schema]));
    const required = this.entries.filter(([, read]) => docOf(read).required).map(([name]) => name);
    return { type: 'object', properties, ...(required.length ? { required } : {}) };
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
export const kid: Field<string> = documented((v) => kidOf(v), { type: 'string', pattern: KID_RE.source });

/** Absent, null and '' are none. */
export const optionalKid: Field<string | undefined> = documented(
  (v, body) => (absent(v) || v === '' ? undefined : kid(v, body)),
  { type: ['string', 'null'], pattern: `${KID_RE.source}|^$` },
  false,
);

/** Base64 bytes within limits (standard or URL-safe, padding optional). */
export const bytes = (limits: B64Limits & { multipleOf?: number } = {}): Field<Buffer> =>
  documented((v) => {
    const b = decodeB64(v, 'base64 field', limits);
    if (b.length % (limits.multipleOf ?? 1) !== 0) throw hem(400, 'not a whole number of units');
    return b;
  }, bytesSchema(limits));

/** Base64 (standard or URL-safe), its decoded length in the description: JSON Schema cannot bound it. */
export function bytesSchema(limits: B64Limits & { multipleOf?: number }): Schema {
  const min = limits.min ?? (limits.allowEmpty ? 0 : 1);
  const length = [`${min} to ${limits.max ?? 'any number of'} bytes`, limits.multipleOf ? `a multiple of ${limits.multipleOf}` : ''].filter(Boolean).join(', ');
  return { type: 'string', contentEncoding: 'base64', description: `Base64 (standard or URL-safe, padding optional) of ${length}` };
}

/** Absent or null is none; present, it may be empty. */
export const optionalBytes = (limits: B64Limits = {}): Field<Buffer | undefined> => {
  const read = bytes({ ...limits, allowEmpty: true });
  return documented((v, body) => (absent(v) ? undefined : read(v, body)), { ...docOf(read).schema, type: ['string', 'null'] }, false);
};

/** One of a table's own names (`constructor` is not an algorithm). */
export const oneOf = <K extends string>(table: Readonly<Record<K, unknown>>): Field<K> =>
  documented(
    (v) => {
      if (typeof v !== 'string' || !Object.hasOwn(table, v)) throw hem(400, 'not a known name');
      return v as K;
    },
    { enum: Object.keys(table) },
  );

export const optional = <T>(read: Field<T>): Field<T | undefined> =>
  documented((v, body) => (absent(v) ? undefined : read(v, body)), { anyOf: [docOf(read).schema, { type: 'null' }] }, false);

/** A field only some requests have (by another field's value, `which` says); the others ignore it, whatever it holds. */
export const when = <T>(applies: (body: Body) => boolean, which: string, read: Field<T>): Field<T | undefined> =>
  documented(
    (v, body) => (applies(body) ? read(v, body) : undefined),
    { ...docOf(read).schema, description: `${which}: ${descriptionOf(docOf(read).schema)}${docOf(read).required ? ', required' : ''}; ignored otherwise` },
    false,
  );

/** Read by the handler once the key is known (its meaning depends on the key): `what` says how. */
export const raw = (what: string): Field<unknown> => documented((v) => v, { description: what }, false);

export const matching = (re: RegExp): Field<string> =>
  documented(
    (v) => {
      if (typeof v !== 'string' || !re.test(v)) throw hem(400, 'pattern');
      return v;
    },
    { type: 'string', pattern: re.source },
  );
