import { createDecipheriv, hash, randomFillSync, sign, type KeyObject, type SignKeyObjectInput } from 'node:crypto';

/**
 * Public 12-byte IVs drawn from one CSPRNG fill of 4 KiB, as the gateway draws them (its
 * RandomPool): a `randomBytes(12)` call each costs several microseconds, which would make this
 * baseline slower than the gateway for a reason that has nothing to do with what is compared.
 */
const pool = Buffer.allocUnsafeSlow(4096);
let offset = pool.length;
export function iv12(): Buffer {
  if (offset + 12 > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const iv = Buffer.allocUnsafe(12);
  pool.copy(iv, 0, offset, offset + 12);
  offset += 12;
  return iv;
}

/** `Authorization: Bearer <token>` → the token, or null. */
export function bearer(header: string | undefined): string | null {
  const m = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

export const sha256Hex = (s: string): string => hash('sha256', s, 'hex');

/** node:crypto's asynchronous sign (libuv's thread pool), as the gateway signs: off the event loop. */
export function signAsync(alg: string | null, data: Buffer, key: KeyObject | SignKeyObjectInput): Promise<Buffer> {
  return new Promise((resolve, reject) => sign(alg, data, key, (err, sig) => (err ? reject(err) : resolve(sig))));
}

/**
 * AES-256-GCM decryption with a key's versions, newest first, until the tag holds (a wrong
 * version fails it): what a hand-written handler does with a ciphertext that names no version.
 * Null when none opens it.
 */
export function gcmOpen(versions: readonly Buffer[], iv: Buffer, ciphertext: Buffer, tag: Buffer, aad: Buffer | null): Buffer | null {
  for (const key of versions) {
    try {
      const d = createDecipheriv('aes-256-gcm', key, iv);
      if (aad?.length) d.setAAD(aad);
      d.setAuthTag(tag);
      return Buffer.concat([d.update(ciphertext), d.final()]);
    } catch {
      // not this version
    }
  }
  return null;
}

/** A config's versions (base64, oldest first) as gcmOpen takes them: newest first. */
export const newestFirst = (versions: readonly string[]): Buffer[] => versions.map((v) => Buffer.from(v, 'base64')).reverse();

export const B64 = /^[A-Za-z0-9+/]*={0,2}$/;
export const B64URL = /^[A-Za-z0-9_-]*$/;
