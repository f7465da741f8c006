import { createHmac, createPublicKey } from 'node:crypto';
import { INTERNAL_KEY_ATTRIBUTE, KmsError, aesKeyUnwrap, type HashAlg, type KeyRecord } from '@kms/core';
import { badRequest } from './errors';
import type { VaultCall } from './operations/context';

/**
 * The tenant's BYOK wrapping key (Vault's `import/wrapping-key`): an RSA-4096 key made through
 * the core, held by the tenant's backend like any key, marked internal so that no dialect lists
 * it and transit refuses it by UUID; its one usage is decrypt. It is found by its id, which is
 * keyed by a secret derived from the master key, so no one can guess it or take it first.
 */
const WRAPPING_SPEC = 'rsa-4096';
/** Vault's layout: RSA-OAEP of the ephemeral AES key (as long as the 4096-bit modulus), then AES-KWP of the key. */
const OAEP_BYTES = 512;
const EPHEMERAL_BYTES = 32;
/**
 * A wrapping key destroyed by another dialect (eHSM's DeleteAllKey destroys every key of the
 * tenant) leaves its id as a tombstone; the next id of the series takes over. Bounded: a tenant
 * cannot make the gateway walk far.
 */
const GENERATIONS = 8;

/** Vault's `hash_function` names (path_import.go parseHashFn), case-insensitive, and the core's hash. */
export const HASH_FUNCTIONS: Readonly<Record<string, HashAlg>> = { SHA1: 'SHA-1', SHA224: 'SHA-224', SHA256: 'SHA-256', SHA384: 'SHA-384', SHA512: 'SHA-512' };

/** A UUID (version 8) of the secret, the tenant and the generation. */
function wrappingKeyId(secret: Buffer, tenantId: string, generation: number): string {
  const h = createHmac('sha256', secret).update(`vault-wrapping-key/v1:${generation}:${tenantId}`, 'utf8').digest();
  h[6] = (h[6] & 0x0f) | 0x80;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const codeOf = (err: unknown) => (err instanceof KmsError ? err.code : null);

/** The live key of this id, or null (none, or a tombstone). */
function findLive(c: VaultCall, id: string): Promise<KeyRecord | null> {
  return c.keys.get(c.caller, id).catch((err: unknown) => {
    if (codeOf(err) === 'NOT_FOUND') return null;
    throw err;
  });
}

/** The tenant's wrapping key, made on first use (two requests racing for it meet on its id). */
export async function wrappingKey(c: VaultCall): Promise<KeyRecord> {
  for (let generation = 0; generation < GENERATIONS; generation++) {
    const id = wrappingKeyId(c.secrets.wrappingKeyId, c.caller.tenantId, generation);
    const found = await findLive(c, id);
    if (found) return found;
    try {
      return await c.keys.create(c.caller, {
        id,
        spec: WRAPPING_SPEC,
        usages: ['decrypt'],
        label: 'Vault transit wrapping key',
        attributes: { [INTERNAL_KEY_ATTRIBUTE]: 'vault-wrapping' },
      });
    } catch (err) {
      if (codeOf(err) !== 'ALREADY_EXISTS') throw err;
      // Made meanwhile by a concurrent request, or a tombstone: the former is found again.
      const raced = await findLive(c, id);
      if (raced) return raced;
    }
  }
  throw new KmsError('INTERNAL', 'no wrapping key could be made for the tenant');
}

export async function wrappingPublicKeyPem(c: VaultCall): Promise<string> {
  const key = await wrappingKey(c);
  return createPublicKey({ key: key.publicKey!, format: 'der', type: 'spki' }).export({ format: 'pem', type: 'spki' }).toString();
}

/**
 * Opens an import `ciphertext`: the core decrypts the ephemeral AES key with the wrapping key
 * (audited, on the key's backend), and the core's AES-KWP (RFC 5649) unwraps the target material
 * with it. The answer is the caller's copy, to zero when done.
 */
export async function openImportCiphertext(c: VaultCall, hash: HashAlg, blob: Buffer): Promise<Buffer> {
  if (blob.length <= OAEP_BYTES) throw badRequest('provided ciphertext is too short');
  const wrapping = await wrappingKey(c);
  let ephemeral: Buffer;
  try {
    ephemeral = await c.keys.asymDecrypt(c.caller, wrapping.id, { scheme: 'RSA-OAEP', hash }, blob.subarray(0, OAEP_BYTES));
  } catch (err) {
    if (codeOf(err) === 'INTERNAL' || !(err instanceof KmsError)) throw err;
    // The core wrote this refusal's row; Go's words for it.
    throw Object.assign(badRequest('crypto/rsa: decryption error', err.code), { audited: true });
  }
  try {
    if (ephemeral.length !== EPHEMERAL_BYTES) throw badRequest('expected ephemeral AES key to be 256-bit');
    try {
      return aesKeyUnwrap(ephemeral, blob.subarray(OAEP_BYTES), true);
    } catch {
      throw badRequest('failed to unwrap the key: the AES-KWP integrity check failed', 'CRYPTO_FAILURE');
    }
  } finally {
    ephemeral.fill(0);
  }
}
