import { type SignParams, atVersion } from '@kms/core';
import { runItems } from '../batch';
import { bodyBytes, parseVersioned, versioned } from '../ciphertext';
import { badRequest } from '../errors';
import { canonicalHash } from '../hashes';
import type { Input } from '../input';
import type { VaultAnswer } from '../wire';
import type { VaultAction, VaultCall } from './context';
import { hmacVerify } from './hmac';
import { type NamedKey, encryptionRef, inputBytes, requireKey, requireKind, versionRefusal } from './lookup';

const SIGNING = ['ecdsa', 'ed25519', 'rsa'] as const;
type Marshaling = 'asn1' | 'jws';

/** What every item of a sign or verify request shares: the parameters of the core's signature. */
interface Scheme {
  marshaling: Marshaling;
  /** PSS with salt_length `auto` verifies a signature salted either way (see saltLengths). */
  params: SignParams[];
}

/**
 * The core's signature parameters for Vault's fields. ECDSA: the digest, DER (asn1) or r‖s (jws).
 * Ed25519: the message whole (hash_algorithm is ignored, as Vault ignores it). RSA: PSS (default)
 * or PKCS#1 v1.5; PSS salt `auto` signs with the longest salt (as Go's rsa.PSSSaltLengthAuto) and
 * verifies one of the longest or of the digest's length, `hash` the digest's length, or a number.
 */
function schemeOf(c: VaultCall, key: NamedKey, verifying: boolean): Scheme {
  const t = requireKind(key, SIGNING, 'signing');
  const marshaling = (c.input.string('marshaling_algorithm') || 'asn1') as Marshaling;
  if (marshaling !== 'asn1' && marshaling !== 'jws') throw badRequest(`unsupported marshaling type ${String(marshaling)}`);
  const hashName = c.params.alg || c.input.string('hash_algorithm') || c.input.string('algorithm') || 'sha2-256';
  const prehashed = c.input.boolean('prehashed') ?? false;
  if (t.kind === 'ed25519') {
    if (prehashed) throw badRequest('prehashed input is not supported with ed25519 keys by this gateway');
    return { marshaling, params: [{ scheme: 'EdDSA' }] };
  }
  const hash = canonicalHash(hashName);
  if (t.kind === 'ecdsa') return { marshaling, params: [{ scheme: 'ECDSA', hash: hash.alg, prehashed, encoding: marshaling === 'jws' ? 'raw' : 'der' }] };
  const algorithm = c.input.string('signature_algorithm') || 'pss';
  if (algorithm === 'pkcs1v15') return { marshaling, params: [{ scheme: 'RSA-PKCS1', hash: hash.alg, prehashed }] };
  if (algorithm !== 'pss') throw badRequest(`unsupported rsa signature algorithm ${algorithm}`);
  const bits = Number(/^rsa-(\d+)$/.exec(key.record.spec)?.[1]);
  return { marshaling, params: saltLengths(c.input, bits, hash.size, verifying).map((saltLength) => ({ scheme: 'RSA-PSS', hash: hash.alg, prehashed, saltLength })) };
}

function saltLengths(input: Input, bits: number, digest: number, verifying: boolean): number[] {
  const longest = Math.ceil((bits - 1) / 8) - digest - 2;
  const asked = input.string('salt_length') || 'auto';
  if (asked === 'auto') return verifying ? [longest, digest] : [longest];
  if (asked === 'hash') return [digest];
  const n = /^\d+$/.test(asked) ? Number(asked) : NaN;
  if (!Number.isInteger(n) || n > longest) throw badRequest(`salt length must be "auto", "hash" or an integer from 0 to ${longest}`);
  return [n];
}

const encode = (sig: Buffer, m: Marshaling) => (m === 'jws' ? sig.toString('base64url') : sig.toString('base64'));

async function sign(c: VaultCall): Promise<VaultAnswer> {
  const key = await requireKey(c, c.params.name!, 'signing key not found');
  const scheme = schemeOf(c, key, false);
  const { ref } = encryptionRef(key, c.input.integer('key_version'));
  return runItems(c, 'sign', async (item) => {
    const r = await c.keys.signVersioned(c.caller, ref, scheme.params[0], inputBytes(item));
    return { signature: versioned(r.keyVersion, encode(r.signature, scheme.marshaling)), key_version: r.keyVersion };
  });
}

/** Verify: a signature (`signature`) or, with `hmac`, an HMAC of the key. Invalid is `valid: false`, not an error. */
async function verify(c: VaultCall): Promise<VaultAnswer> {
  const items = c.input.batch() ?? [c.input];
  const hmacs = items.filter((i) => i.has('hmac')).length;
  const signatures = items.filter((i) => i.has('signature')).length;
  if (hmacs && signatures) throw badRequest('batch_input items must all supply either "hmac" or "signature", not both');
  if (hmacs) return hmacVerify(c);
  if (!c.input.has('batch_input') && !signatures) throw badRequest('missing signature to verify');
  const key = await requireKey(c, c.params.name!, 'signature verification key not found');
  const scheme = schemeOf(c, key, true);
  return runItems(c, 'verify', async (item) => {
    const { version, body } = parseVersioned(item.string('signature') ?? '', 'signature');
    const signature = bodyBytes(body, 'signature', scheme.marshaling === 'jws');
    const data = inputBytes(item);
    try {
      for (const params of scheme.params) {
        if (await c.keys.verify(c.caller, atVersion(key.record.id, version), params, data, signature)) return { valid: true };
      }
      return { valid: false };
    } catch (err) {
      throw versionRefusal(err, version, key, 'signature');
    }
  });
}

export const SIGNATURE_ACTIONS = { sign, verify } satisfies Record<string, VaultAction>;
