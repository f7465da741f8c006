import { createHash } from 'node:crypto';
import { invalidArgument } from '../errors';

/** What the Concat KDF binds the derived key to (NIST SP 800-56A §5.8.1, as RFC 7518 §4.6.2 uses it). */
export interface ConcatKdfParams {
  /** Length of the derived key, in bits: a multiple of 8. */
  keyBits: number;
  /** AlgorithmID of OtherInfo (JOSE: the `enc` for direct agreement, the `alg` for a key-wrapping key). */
  algorithmId: string;
  /** PartyUInfo and PartyVInfo; empty when absent. */
  partyUInfo?: Buffer;
  partyVInfo?: Buffer;
}

/** Up to 64 rounds of SHA-256: far beyond any AES or HMAC key, and bounded. */
const MAX_KEY_BITS = 64 * 256;

export function checkConcatKdf(p: ConcatKdfParams): void {
  if (!Number.isInteger(p.keyBits) || p.keyBits < 8 || p.keyBits > MAX_KEY_BITS || p.keyBits % 8 !== 0) {
    throw invalidArgument(`keyBits must be a multiple of 8 from 8 to ${MAX_KEY_BITS}`, 'keyBits');
  }
}

/** The single-step KDF with SHA-256 over the shared secret `z`. */
export function concatKdf(z: Buffer, p: ConcatKdfParams): Buffer {
  const lenPrefixed = (b: Buffer) => Buffer.concat([u32(b.length), b]);
  const otherInfo = Buffer.concat([
    lenPrefixed(Buffer.from(p.algorithmId, 'ascii')),
    lenPrefixed(p.partyUInfo ?? Buffer.alloc(0)),
    lenPrefixed(p.partyVInfo ?? Buffer.alloc(0)),
    u32(p.keyBits),
  ]);
  const rounds = Math.ceil(p.keyBits / 256);
  const out: Buffer[] = [];
  for (let i = 1; i <= rounds; i++) out.push(createHash('sha256').update(u32(i)).update(z).update(otherInfo).digest());
  const derived = Buffer.concat(out);
  const key = Buffer.from(derived.subarray(0, p.keyBits / 8));
  derived.fill(0);
  return key;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
