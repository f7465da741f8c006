import { BLOCK_CIPHER_MODE, CRYPTOGRAPHIC_ALGORITHM, DIGITAL_SIGNATURE_ALGORITHM, HASHING_ALGORITHM, MASK_GENERATOR, PADDING_METHOD, nameIn, tagName, type Item } from '../../ttlv';
import { KmipFailure } from '../operation';
import { children, optional } from '../payload';

/**
 * A request's Cryptographic Parameters (KMIP 1.4 section 3.6), by specification names. Every
 * member is optional: what a request leaves out comes from the key (see key-defaults.ts).
 */
export interface CryptoParameters {
  algorithm?: string;
  mode?: string;
  padding?: string;
  hash?: string;
  signature?: string;
  maskHash?: string;
  /** Bytes (KMIP 1.4 Salt Length). */
  saltLength?: number;
  /** Bytes (KMIP 1.4 Tag Length). */
  tagLength?: number;
  randomIv?: boolean;
  /** Bits (KMIP 1.4 IV Length). */
  ivLength?: number;
}

const ENUMERATED: ReadonlyArray<[keyof CryptoParameters, string, Readonly<Record<string, number>>]> = [
  ['algorithm', 'Cryptographic Algorithm', CRYPTOGRAPHIC_ALGORITHM],
  ['mode', 'Block Cipher Mode', BLOCK_CIPHER_MODE],
  ['padding', 'Padding Method', PADDING_METHOD],
  ['hash', 'Hashing Algorithm', HASHING_ALGORITHM],
  ['signature', 'Digital Signature Algorithm', DIGITAL_SIGNATURE_ALGORITHM],
  ['maskHash', 'Mask Generator Hashing Algorithm', HASHING_ALGORITHM],
];
const INTEGERS: ReadonlyArray<[keyof CryptoParameters, string]> = [
  ['saltLength', 'Salt Length'],
  ['tagLength', 'Tag Length'],
  ['ivLength', 'IV Length'],
];
/**
 * Members that shape an IV or a counter (SP 800-38D deterministic IVs, CTR counters), OAEP labels
 * and X9.31 trailers: none of the modes served here take them, so a request that sets one asks
 * for something this server would silently not do.
 */
const NOT_SERVED = ['Fixed Field Length', 'Invocation Field Length', 'Counter Length', 'Initial Counter Value', 'P Source', 'Trailer Field'];

/** The Cryptographic Parameters of a payload, or undefined when it has none. */
export function readParameters(payload: Item | null): CryptoParameters | undefined {
  const found = children(payload, 'Cryptographic Parameters');
  if (found.length === 0) return undefined;
  const item = found[0];
  if (item.type !== 'Structure') throw new KmipFailure('Invalid Field', `Cryptographic Parameters must be a Structure, not a ${item.type}`);
  const params: Record<string, unknown> = {};
  for (const [key, name, table] of ENUMERATED) {
    const value = optional(item, name, 'Enumeration');
    if (value === undefined) continue;
    const known = nameIn(table, value.value);
    if (known === undefined) throw new KmipFailure('Invalid Field', `${name} 0x${value.value.toString(16)} is not a known value`);
    params[key] = known;
  }
  for (const [key, name] of INTEGERS) {
    const value = optional(item, name, 'Integer');
    if (value === undefined) continue;
    if (value.value < 0) throw new KmipFailure('Invalid Field', `${name} must not be negative`);
    params[key] = value.value;
  }
  const randomIv = optional(item, 'Random IV', 'Boolean');
  if (randomIv !== undefined) params.randomIv = randomIv.value;
  const generator = optional(item, 'Mask Generator', 'Enumeration');
  if (generator !== undefined && nameIn(MASK_GENERATOR, generator.value) !== 'MGF1') throw new KmipFailure('Invalid Field', 'the Mask Generator must be MGF1');
  const refused = item.items.map((i) => tagName(i.tag)).find((n) => NOT_SERVED.includes(n));
  if (refused !== undefined) throw new KmipFailure('Invalid Field', `${refused} is not supported`);
  return params;
}
