import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { cryptoFailure } from '../errors';

/**
 * Seals data at rest with AES-256-GCM under keys derived (HKDF-SHA256) from the master key, one
 * per purpose, so a sealed key can never be confused with a sealed credential. The caller binds
 * each blob to its owner (the key id) through the AAD: a blob moved to another row fails to open.
 *
 * Format: 0x01 (version) || iv (12) || ciphertext || tag (16).
 */
export type SealPurpose = 'key-material' | 'credential' | 'secret-value' | 'key-blob';

const VERSION = 0x01;
const IV = 12;
const TAG = 16;

export class Sealer {
  private readonly keys = new Map<SealPurpose, Buffer>();
  private readonly deriveRoot: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error('the master key must be 32 bytes');
    this.deriveRoot = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'kms-gateway/derive/v1', 32));
    for (const purpose of ['key-material', 'credential', 'secret-value', 'key-blob'] as SealPurpose[]) {
      this.keys.set(purpose, Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), `kms-gateway/seal/${purpose}/v1`, 32)));
    }
  }

  /**
   * A stable secret for one named purpose (e.g. a dialect's device identity), the same in every
   * process that shares the master key, so the server and the admin CLI agree without storing it.
   */
  derive(label: string, length = 32): Buffer {
    return Buffer.from(hkdfSync('sha256', this.deriveRoot, Buffer.alloc(0), `kms-gateway/derive/${label}`, length));
  }

  seal(purpose: SealPurpose, plaintext: Buffer, aad: string | Buffer): Buffer {
    const iv = randomBytes(IV);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(purpose)!, iv);
    cipher.setAAD(Buffer.isBuffer(aad) ? aad : Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.of(VERSION), iv, body, cipher.getAuthTag()]);
  }

  open(purpose: SealPurpose, sealed: Buffer, aad: string | Buffer): Buffer {
    if (sealed.length < 1 + IV + TAG || sealed[0] !== VERSION) throw cryptoFailure('sealed data is malformed');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.keys.get(purpose)!, sealed.subarray(1, 1 + IV));
      decipher.setAAD(Buffer.isBuffer(aad) ? aad : Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
      return Buffer.concat([decipher.update(sealed.subarray(1 + IV, sealed.length - TAG)), decipher.final()]);
    } catch {
      throw cryptoFailure('sealed data failed authentication');
    }
  }
}
