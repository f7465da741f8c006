import { MAC_KEY_FAMILIES, SUBKEY_CIPHERS, type CipherAlg, type EncryptParams, type MacKeyChoice, type SubkeyDecryption } from '../algorithms';
import { HMAC_SUBKEY_INFO, MAX_SUBKEY_CONTEXT } from '../crypto/subkeys';
import { invalidArgument, unsupported } from '../errors';
import type { SpecInfo } from '../specs';

/**
 * The core's checks of per-context subkeys and HMAC subkeys (algorithms.ts says what they are,
 * crypto/subkeys.ts how they are made), before any backend is called. Whether a backend can
 * compute them at all is its own answer (UNSUPPORTED on a token).
 */

const SUBKEY_MODES: ReadonlySet<string> = new Set(['derived', 'convergent']);

export function checkSubkeyEncryption(alg: CipherAlg, p: Pick<EncryptParams, 'derive' | 'iv'>): void {
  if (!p.derive) return;
  if (!SUBKEY_MODES.has(p.derive.mode)) throw invalidArgument(`unknown subkey mode '${String(p.derive.mode)}'`, 'derive');
  checkSubkeyDecryption(alg, p.derive);
  if (p.derive.mode === 'convergent' && p.iv !== undefined) throw invalidArgument('convergent encryption computes its nonce: an IV may not be given', 'iv');
}

export function checkSubkeyDecryption(alg: CipherAlg, derive: SubkeyDecryption | undefined): void {
  if (!derive) return;
  if (!SUBKEY_CIPHERS.includes(alg)) throw unsupported(`per-context subkeys are available with ${SUBKEY_CIPHERS.join(' and ')} only, not ${alg}`);
  const context = derive.context;
  if (!Buffer.isBuffer(context) || context.length === 0) throw invalidArgument('a derived key needs a non-empty context', 'context');
  if (context.length > MAX_SUBKEY_CONTEXT) throw invalidArgument(`the context is at most ${MAX_SUBKEY_CONTEXT} bytes`, 'context');
  // Its subkey would be the HMAC subkey (crypto/subkeys.ts).
  if (context.equals(HMAC_SUBKEY_INFO)) throw invalidArgument('this context is reserved', 'context');
}

export function checkMacKey(info: SpecInfo, choice: MacKeyChoice): void {
  if (!Object.hasOwn(MAC_KEY_FAMILIES, choice)) throw invalidArgument(`unknown MAC key choice '${String(choice)}'`, 'key');
  if (!MAC_KEY_FAMILIES[choice].includes(info.family)) {
    throw unsupported(choice === 'key' ? `${info.spec} keys are not HMAC keys (their HMAC subkey may MAC)` : `${info.spec} keys have no HMAC subkey`);
  }
}
