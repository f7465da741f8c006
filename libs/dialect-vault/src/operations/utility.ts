import { createHash } from 'node:crypto';
import { badRequest } from '../errors';
import { hashNamed } from '../hashes';
import type { Input } from '../input';
import type { VaultAction, VaultCall } from './context';

export const FORMATS = { base64: (b: Buffer) => b.toString('base64'), hex: (b: Buffer) => b.toString('hex') } as const;

function formatOf(input: Input, fallback: keyof typeof FORMATS) {
  const f = input.string('format') || fallback;
  if (!Object.hasOwn(FORMATS, f)) throw badRequest(`unsupported encoding format ${f}; must be "hex" or "base64"`);
  return FORMATS[f as keyof typeof FORMATS];
}

/** Vault's random sources; all of ours are the platform's CSPRNG (through the core). */
export const SOURCES = ['platform', 'seal', 'all'];
/** The core's largest draw (Vault's is 128 KiB). */
export const MAX_BYTES = 65536;

/** The path forms /random, /random/<bytes>, /random/<source>, /random/<source>/<bytes>. */
function randomArgs(c: VaultCall): { source: string; bytes: number | undefined } {
  const [a, b] = [c.params.a, c.params.b];
  if (a !== undefined && /^\d+$/.test(a)) {
    if (b !== undefined) throw badRequest('invalid path: the number of bytes comes last');
    return { source: c.input.string('source') || 'platform', bytes: Number(a) };
  }
  const bytes = b === undefined ? c.input.integer('bytes') : /^\d+$/.test(b) ? Number(b) : NaN;
  if (Number.isNaN(bytes)) throw badRequest(`error parsing url-set byte count: ${b}`);
  return { source: a ?? (c.input.string('source') || 'platform'), bytes };
}

const random: VaultAction = async (c) => {
  const { source, bytes = 32 } = randomArgs(c);
  if (!SOURCES.includes(source)) throw badRequest(`unsupported entropy source ${source}; must be "platform", "seal" or "all"`);
  const format = formatOf(c.input, 'base64');
  if (bytes < 1) throw badRequest('the number of bytes must be positive');
  if (bytes > MAX_BYTES) throw badRequest(`the number of bytes must be at most ${MAX_BYTES}`);
  const out = await c.keys.random(c.caller, bytes);
  return { data: { random_bytes: format(out) } };
};

/** A digest of the input: no key, computed here; audited through the core as every request is. */
const hash: VaultAction = async (c) => {
  const algorithm = c.params.alg || c.input.string('algorithm') || 'sha2-256';
  const h = hashNamed(algorithm);
  const format = formatOf(c.input, 'hex');
  const input = c.input.base64('input');
  if (input === undefined) throw badRequest('missing input to hash');
  const sum = createHash(h.node).update(input).digest();
  await c.keys.succeeded(c.caller, 'hash');
  return { data: { sum: format(sum) } };
};

export const UTILITY_ACTIONS = { random, hash } satisfies Record<string, VaultAction>;
