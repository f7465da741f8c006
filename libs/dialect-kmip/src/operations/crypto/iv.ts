import { randomBytes } from 'node:crypto';
import type { Item } from '../../ttlv';
import { KmipFailure } from '../operation';
import { optional } from '../payload';
import type { CipherChoice } from './cipher';
import type { CryptoParameters } from './parameters';

type Symmetric = Extract<CipherChoice, { kind: 'symmetric' }>;

/** The request's IV/Counter/Nonce, checked against the mode (and IV Length, when given). */
export function givenIv(payload: Item | null, choice: Symmetric): Buffer | undefined {
  const iv = optional(payload, 'IV/Counter/Nonce', 'ByteString')?.value;
  if (iv === undefined) return undefined;
  const { name, mode } = choice;
  if (mode.ivBytes.length === 0) throw new KmipFailure('Invalid Field', `${name} takes no IV/Counter/Nonce`);
  const lengths = choice.ivBytes === undefined ? mode.ivBytes : [choice.ivBytes];
  if (!lengths.includes(iv.length)) throw new KmipFailure('Invalid Field', `the IV/Counter/Nonce of ${name} must be ${lengths.join(' or ')} bytes`);
  return iv;
}

/**
 * Encrypt's IV: the client's, or one the server makes (then returned in the response). A client
 * that sets Random IV asks the server to make it, so it may not send one as well. Without IV
 * Length the core makes the IV (GCM: 12 bytes); with it, one of that length is made here.
 */
export function encryptionIv(payload: Item | null, choice: Symmetric, p: CryptoParameters): { iv?: Buffer; made: boolean } {
  const iv = givenIv(payload, choice);
  if (iv !== undefined) {
    if (p.randomIv === true) throw new KmipFailure('Invalid Field', 'Random IV asks the server for the IV: the request may not carry an IV/Counter/Nonce');
    return { iv, made: false };
  }
  if (choice.mode.ivBytes.length === 0) return { made: false };
  return { iv: choice.ivBytes === undefined ? undefined : randomBytes(choice.ivBytes), made: true };
}
