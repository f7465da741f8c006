import { AwsError } from './errors';

/**
 * The request body of one operation, read field by field with AWS's refusals: a member of the
 * wrong JSON type is a SerializationException (the SDKs never send one); a value outside the
 * documented constraints is a ValidationException worded as AWS words it.
 */
export class Input {
  constructor(private readonly body: Record<string, unknown>) {}

  static parse(raw: Buffer): Input {
    if (raw.length === 0) return new Input({});
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new AwsError('SerializationException', 'The request body is not valid JSON.');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AwsError('SerializationException', 'The request body must be a JSON object.');
    return new Input(body as Record<string, unknown>);
  }

  has(name: string): boolean {
    return this.body[name] !== undefined && this.body[name] !== null;
  }

  string(name: string, opts: { required: true; min?: number; max?: number; oneOf?: readonly string[] }): string;
  string(name: string, opts?: { required?: false; min?: number; max?: number; oneOf?: readonly string[] }): string | undefined;
  string(name: string, opts: { required?: boolean; min?: number; max?: number; oneOf?: readonly string[] } = {}): string | undefined {
    const v = this.body[name];
    if (v === undefined || v === null) {
      if (opts.required) throw missing(name);
      return undefined;
    }
    if (typeof v !== 'string') throw wrongType(name, 'a string');
    if (opts.min !== undefined && v.length < opts.min) throw constraint(name, `Member must have length greater than or equal to ${opts.min}`);
    if (opts.max !== undefined && v.length > opts.max) throw constraint(name, `Member must have length less than or equal to ${opts.max}`);
    if (opts.oneOf && !opts.oneOf.includes(v)) throw constraint(name, `Member must satisfy enum value set: [${opts.oneOf.join(', ')}]`);
    return v;
  }

  /** A blob member: base64 on the wire (the SDKs encode Uint8Array fields so). */
  blob(name: string, opts: { required: true; min?: number; max?: number }): Buffer;
  blob(name: string, opts?: { required?: false; min?: number; max?: number }): Buffer | undefined;
  blob(name: string, opts: { required?: boolean; min?: number; max?: number } = {}): Buffer | undefined {
    const v = this.string(name, { required: opts.required as false });
    if (v === undefined) return undefined;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 === 1) throw new AwsError('SerializationException', `Value for '${name}' is not valid base64.`);
    const bytes = Buffer.from(v, 'base64');
    if (opts.min !== undefined && bytes.length < opts.min) throw constraint(name, `Member must have length greater than or equal to ${opts.min}`);
    if (opts.max !== undefined && bytes.length > opts.max) throw constraint(name, `Member must have length less than or equal to ${opts.max}`);
    return bytes;
  }

  integer(name: string, opts: { min: number; max: number }): number | undefined {
    const v = this.body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw wrongType(name, 'an integer');
    if (v < opts.min) throw constraint(name, `Member must have value greater than or equal to ${opts.min}`);
    if (v > opts.max) throw constraint(name, `Member must have value less than or equal to ${opts.max}`);
    return v;
  }

  boolean(name: string): boolean | undefined {
    const v = this.body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw wrongType(name, 'a boolean');
    return v;
  }

  /** A timestamp: epoch seconds (what the SDKs send) or an ISO 8601 string; as epoch ms. */
  timestamp(name: string): number | undefined {
    const v = this.body[name];
    if (v === undefined || v === null) return undefined;
    const at = typeof v === 'number' ? v * 1000 : typeof v === 'string' ? Date.parse(v) : NaN;
    if (!Number.isFinite(at)) throw wrongType(name, 'a timestamp');
    return at;
  }

  /** A map of strings (EncryptionContext). */
  stringMap(name: string): Record<string, string> | undefined {
    const v = this.body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw wrongType(name, 'a map');
    for (const [k, x] of Object.entries(v)) {
      if (typeof x !== 'string') throw wrongType(`${name}.${k}`, 'a string');
    }
    return v as Record<string, string>;
  }

  /** A list of strings (GrantTokens, TagKeys). */
  stringList(name: string, opts: { max?: number } = {}): string[] | undefined {
    const v = this.body[name];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw wrongType(name, 'a list of strings');
    if (opts.max !== undefined && v.length > opts.max) throw constraint(name, `Member must have length less than or equal to ${opts.max}`);
    return v as string[];
  }

  /**
   * AWS Tags: a list of {TagKey, TagValue}, with AWS's rules (TagException): keys 1-128
   * characters and not `aws:`, values at most 256; more than 50 is LimitExceededException.
   * CreateKey and TagResource alike.
   */
  tags(name: string): Record<string, string> | undefined {
    const v = this.body[name];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw wrongType(name, 'a list');
    const out: Record<string, string> = {};
    for (const t of v as unknown[]) {
      const tag = t as { TagKey?: unknown; TagValue?: unknown } | null;
      if (typeof tag !== 'object' || tag === null || typeof tag.TagKey !== 'string' || typeof tag.TagValue !== 'string') throw wrongType(name, 'a list of {TagKey, TagValue}');
      out[tag.TagKey] = tag.TagValue;
    }
    return checkTags(out);
  }
}

const lower = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);
const constraint = (name: string, rule: string) =>
  new AwsError('ValidationException', `1 validation error detected: Value at '${lower(name)}' failed to satisfy constraint: ${rule}`);
const missing = (name: string) => constraint(name, 'Member must not be null');
const wrongType = (name: string, what: string) => new AwsError('SerializationException', `Value for '${name}' must be ${what}.`);

export const MAX_TAGS = 50;

/** AWS's tag rules; also for a key's tags once new ones are added (TagResource). */
export function checkTags(tags: Record<string, string>): Record<string, string> {
  for (const [k, v] of Object.entries(tags)) {
    if (k.length < 1 || k.length > 128 || v.length > 256) throw new AwsError('TagException', 'Tag keys are 1 to 128 characters and tag values at most 256.');
    if (k.startsWith('aws:')) throw new AwsError('TagException', 'Tag keys beginning with aws: are reserved.');
  }
  if (Object.keys(tags).length > MAX_TAGS) throw new AwsError('LimitExceededException', `A KMS key can have at most ${MAX_TAGS} tags.`);
  return tags;
}
