import type { HashAlg, KeyUsage, SecretKdf } from '@kms/core';
import { DERIVATION_METHOD, HASHING_ALGORITHM, tagName, type Item } from '../../ttlv';
import { KmipFailure } from '../operation';
import { optional, required } from '../payload';
import { MASK } from './usage-mask';

/** KMIP Hashing Algorithms a derivation may use, by specification name: the core's KDF hashes. */
const KDF_HASH: Readonly<Record<string, HashAlg>> = {
  'SHA-1': 'SHA-1',
  'SHA-224': 'SHA-224',
  'SHA-256': 'SHA-256',
  'SHA-384': 'SHA-384',
  'SHA-512': 'SHA-512',
  'SHA3-256': 'SHA3-256',
  'SHA3-384': 'SHA3-384',
  'SHA3-512': 'SHA3-512',
};

interface Method {
  /** The Derivation Parameters fields the method reads, besides Cryptographic Parameters. */
  fields: readonly string[];
  read: (params: Item, hash: HashAlg) => SecretKdf;
}

/**
 * The served Derivation Methods, by one table. The base object's bytes are PBKDF2's password or
 * HMAC's key; the core runs the KDF where the base object's material is held.
 */
const METHODS: Readonly<Record<string, Method>> = {
  PBKDF2: {
    fields: ['Salt', 'Iteration Count'],
    read: (p, hash) => ({ kind: 'pbkdf2', hash, salt: required(p, 'Salt', 'ByteString').value, iterations: required(p, 'Iteration Count', 'Integer').value }),
  },
  HMAC: {
    fields: ['Derivation Data'],
    read: (p, hash) => ({ kind: 'hmac', hash, data: required(p, 'Derivation Data', 'ByteString').value }),
  },
};

/** Derivation Parameters fields a served method may meet; another one present is a client's mistake, not ignored. */
const PARAMETER_FIELDS = ['Cryptographic Parameters', 'Initialization Vector', 'Derivation Data', 'Salt', 'Iteration Count'];

const nameIn = (table: Readonly<Record<string, number>>, code: number): string | undefined => Object.entries(table).find(([, v]) => v === code)?.[0];

/** Derivation Method and Derivation Parameters as the core's KDF, or the KMIP refusal. */
export function kdfOf(payload: Item | null): SecretKdf {
  const code = required(payload, 'Derivation Method', 'Enumeration').value;
  const name = nameIn(DERIVATION_METHOD, code);
  if (name === undefined) throw new KmipFailure('Invalid Field', `Derivation Method ${code} is unknown`);
  const method = METHODS[name];
  if (!method) throw new KmipFailure('Feature Not Supported', `Derivation Method ${name} is not served (PBKDF2, HMAC)`);
  const params = required(payload, 'Derivation Parameters', 'Structure');
  if (params.type !== 'Structure') throw new KmipFailure('Invalid Field', 'Derivation Parameters must be a Structure');
  for (const item of params.items) {
    const field = tagName(item.tag);
    if (!PARAMETER_FIELDS.includes(field)) throw new KmipFailure('Invalid Field', `${field} is not a Derivation Parameters field`);
    if (field !== 'Cryptographic Parameters' && !method.fields.includes(field)) throw new KmipFailure('Invalid Field', `${name} takes no ${field}`);
  }
  return method.read(params, hashOf(params, name));
}

/** The Hashing Algorithm of the Cryptographic Parameters: required, since PBKDF2 and HMAC both name their hash. */
function hashOf(params: Item, method: string): HashAlg {
  const cp = optional(params, 'Cryptographic Parameters', 'Structure');
  const code = optional(cp ?? null, 'Hashing Algorithm', 'Enumeration')?.value;
  if (code === undefined) throw new KmipFailure('Invalid Field', `${method} needs a Hashing Algorithm in the Cryptographic Parameters`);
  const name = nameIn(HASHING_ALGORITHM, code);
  const hash = name !== undefined ? KDF_HASH[name] : undefined;
  if (hash === undefined) throw new KmipFailure('Feature Not Supported', `${method} with Hashing Algorithm ${name ?? code} is not served`);
  return hash;
}

/**
 * The core usages of Secret Data: the core's secret keys know `mac` and `derive`, so a Derive Key
 * bit in its mask gives it `derive` (a password to derive keys from); the rest of the mask is kept
 * as given in the bag.
 */
export function secretDataUsages(mask: number | undefined): KeyUsage[] | undefined {
  return mask !== undefined && (mask & MASK['Derive Key']) !== 0 ? ['mac', 'derive'] : undefined;
}
