import type { HashAlg, KeyRecord, KeyUsage, SecretKdf } from '@kms/core';
import { DERIVATION_METHOD, HASHING_ALGORITHM, tagName, type Item } from '../../ttlv';
import { KmipFailure } from '../operation';
import { optional, required } from '../payload';
import { algorithmOf, objectTypeOf } from './algorithm';
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

/** The hash of a Symmetric Key whose Cryptographic Algorithm is an HMAC, by that algorithm's name. */
const HMAC_ALGORITHM_HASH: Readonly<Record<string, HashAlg>> = {
  'HMAC-SHA1': 'SHA-1',
  'HMAC-SHA224': 'SHA-224',
  'HMAC-SHA256': 'SHA-256',
  'HMAC-SHA384': 'SHA-384',
  'HMAC-SHA512': 'SHA-512',
  'HMAC-SHA3-256': 'SHA3-256',
  'HMAC-SHA3-384': 'SHA3-384',
  'HMAC-SHA3-512': 'SHA3-512',
};

interface Method {
  /** The Derivation Parameters fields the method reads, besides Cryptographic Parameters. */
  fields: readonly string[];
  /** The hash: from the base object or the Cryptographic Parameters' Hashing Algorithm (undefined when not given). */
  hash: (base: KeyRecord, given: HashAlg | undefined) => HashAlg;
  read: (params: Item, hash: HashAlg) => SecretKdf;
}

/**
 * The served Derivation Methods, by one table. The base object's bytes are PBKDF2's password or
 * HMAC's key; the core runs the KDF where the base object's material is held.
 */
const METHODS: Readonly<Record<string, Method>> = {
  PBKDF2: {
    fields: ['Salt', 'Iteration Count'],
    // Without a Hashing Algorithm, PKCS #5's default PRF: HMAC-SHA1.
    hash: (_base, given) => given ?? 'SHA-1',
    read: (p, hash) => ({ kind: 'pbkdf2', hash, salt: required(p, 'Salt', 'ByteString').value, iterations: required(p, 'Iteration Count', 'Integer').value }),
  },
  HMAC: {
    fields: ['Derivation Data'],
    // KMIP: "the attributes of the derivation key provide enough information about the PRF, and the
    // Cryptographic Parameters are ignored". A base that names no HMAC (Secret Data, an AES key)
    // needs the Hashing Algorithm instead.
    hash: (base, given) => {
      const named = objectTypeOf(base) === 'Symmetric Key' ? HMAC_ALGORITHM_HASH[algorithmOf(base) ?? ''] : undefined;
      const hash = named ?? given;
      if (hash === undefined) throw new KmipFailure('Invalid Field', 'HMAC from a base object that is no HMAC key needs a Hashing Algorithm in the Cryptographic Parameters');
      return hash;
    },
    read: (p, hash) => ({ kind: 'hmac', hash, data: required(p, 'Derivation Data', 'ByteString').value }),
  },
};

/** Derivation Parameters fields a served method may meet; another one present is a client's mistake, not ignored. */
const PARAMETER_FIELDS = ['Cryptographic Parameters', 'Initialization Vector', 'Derivation Data', 'Salt', 'Iteration Count'];

const nameIn = (table: Readonly<Record<string, number>>, code: number): string | undefined => Object.entries(table).find(([, v]) => v === code)?.[0];

/** Derivation Method and Derivation Parameters as the core's KDF for this base object, or the KMIP refusal. */
export function kdfOf(payload: Item | null, base: KeyRecord): SecretKdf {
  const code = required(payload, 'Derivation Method', 'Enumeration').value;
  const name = nameIn(DERIVATION_METHOD, code);
  if (name === undefined) throw new KmipFailure('Invalid Field', `Derivation Method ${code} is unknown`);
  const method = METHODS[name];
  if (!method) throw new KmipFailure('Feature Not Supported', `Derivation Method ${name} is not served (PBKDF2, HMAC)`);
  const params = required(payload, 'Derivation Parameters', 'Structure');
  for (const item of params.items) {
    const field = tagName(item.tag);
    if (!PARAMETER_FIELDS.includes(field)) throw new KmipFailure('Invalid Field', `${field} is not a Derivation Parameters field`);
    if (field !== 'Cryptographic Parameters' && !method.fields.includes(field)) throw new KmipFailure('Invalid Field', `${name} takes no ${field}`);
  }
  return method.read(params, method.hash(base, givenHash(params, name)));
}

/** The Hashing Algorithm of the Cryptographic Parameters, if given; one no KDF here runs is refused. */
function givenHash(params: Item, method: string): HashAlg | undefined {
  const cp = optional(params, 'Cryptographic Parameters', 'Structure');
  const code = optional(cp ?? null, 'Hashing Algorithm', 'Enumeration')?.value;
  if (code === undefined) return undefined;
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
