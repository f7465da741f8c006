import { badRequest } from './errors';

/**
 * A request's fields (JSON body, then query string), read as Vault's field schemas read them:
 * an integer or boolean may come as a string ("2", "true"), which every Vault client sends now
 * and then; a value that cannot be read as its type is a 400 naming the field.
 */
export class Input {
  constructor(private readonly fields: Record<string, unknown>) {}

  static of(body: unknown, query: Record<string, unknown> = {}): Input {
    if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) throw badRequest('failed to parse JSON input: the body must be a JSON object');
    return new Input({ ...query, ...(body as Record<string, unknown> | undefined) });
  }

  /** A field of one item of batch_input, read with the same rules. */
  static item(raw: unknown, index: number): Input {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badRequest(`batch_input item ${index} is not an object`);
    return new Input(raw as Record<string, unknown>);
  }

  has(name: string): boolean {
    return this.fields[name] !== undefined && this.fields[name] !== null;
  }

  raw(name: string): unknown {
    return this.fields[name];
  }

  string(name: string): string | undefined {
    const v = this.fields[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw badRequest(`field '${name}' must be a string`);
  }

  /** Standard base64 (Vault's plaintext, input, context, associated_data); an empty string is no bytes. */
  base64(name: string): Buffer | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    return decodeBase64(v, name);
  }

  integer(name: string): number | undefined {
    const v = this.fields[name];
    if (v === undefined || v === null || v === '') return undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n)) throw badRequest(`field '${name}' must be an integer`);
    return n;
  }

  boolean(name: string): boolean | undefined {
    const v = this.fields[name];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'boolean') return v;
    const b = typeof v === 'string' || typeof v === 'number' ? BOOLEANS[String(v)] : undefined;
    if (b === undefined) throw badRequest(`field '${name}' must be a boolean`);
    return b;
  }

  /** A duration (auto_rotate_period): seconds as a number, or Go-style text ("24h", "90m", "3600s", "7d"). In ms. */
  duration(name: string): number | undefined {
    const v = this.fields[name];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v * 1000;
    if (typeof v === 'string') {
      if (/^\d+$/.test(v)) return Number(v) * 1000;
      const parts = [...v.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
      if (parts.length && parts.map((p) => p[0]).join('') === v) return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]], 0));
    }
    throw badRequest(`field '${name}' must be a duration`);
  }

  /** batch_input: a non-empty list of objects, or undefined when the request is a single item. */
  batch(): Input[] | undefined {
    const v = this.fields.batch_input;
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw badRequest('failed to parse batch input: batch_input must be a list');
    if (v.length === 0) throw badRequest('missing batch input to process');
    return v.map((raw, i) => Input.item(raw, i));
  }
}

/** The spellings Go's strconv.ParseBool accepts, which is what Vault reads booleans with. */
const BOOLEANS: Readonly<Record<string, boolean>> = {
  '1': true,
  t: true,
  T: true,
  true: true,
  TRUE: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  false: false,
  FALSE: false,
  False: false,
};

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function decodeBase64(v: string, name: string): Buffer {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) throw badRequest(`failed to base64-decode ${name}`);
  return Buffer.from(v, 'base64');
}
