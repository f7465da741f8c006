import { createHmac, createPrivateKey, createPublicKey, hkdfSync, sign, type KeyObject } from 'node:crypto';
import { uuidToHex, type AuditEntity } from '@kms/core';
import { parseEventName } from './log-events';

const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
const b64u = (b: Buffer) => b.toString('base64url');

/**
 * The HEM log (notes §5): one file per UTC day, lines `seq|time|type|result|subject|extra|mac`
 * (numbers in hex). The first line (type 0, result 0) keys the chain: its subject is the file's
 * HMAC key and its extra that key's Ed25519 signature by the logger key; every line's mac is the
 * first 16 bytes of HMAC-SHA256(file key, line up to its last '|'), base64url. Keys derive from
 * the device identity seed, so every replica and restart writes the same, verifiable files.
 *
 * These keys are the device's own identity (as its factory logger key), not keys of a tenant:
 * no client can name, use or export them, and signing the log is part of serving it, like the
 * eJWT check of the login. So they stay here rather than in the key store, and the operations on
 * them are not key operations of the core (which would also write audit rows about the log into
 * the log).
 */
export class HemLogger {
  private readonly key: KeyObject;
  readonly publicKey: Buffer;
  private readonly root: Buffer;

  constructor(identitySeed: Buffer) {
    const seed = Buffer.from(hkdfSync('sha256', identitySeed, Buffer.alloc(0), 'encedo/logger-key/v1', 32));
    this.key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8, seed]), format: 'der', type: 'pkcs8' });
    this.publicKey = createPublicKey(this.key).export({ format: 'der', type: 'spki' }).subarray(-32);
    this.root = Buffer.from(hkdfSync('sha256', identitySeed, Buffer.alloc(0), 'encedo/logger-chain/v1', 32));
  }

  sign(data: Buffer): Buffer {
    return sign(null, data, this.key);
  }

  /** The 8-hex-digit id of a day's file, and back. */
  static idOf(day: number): string {
    return day.toString(16).padStart(8, '0');
  }
  static dayOf(id: string): number | null {
    return /^[0-9a-f]{8}$/i.test(id) ? parseInt(id, 16) : null;
  }

  /** The text of a day's file from its audit rows (oldest first). */
  file(tenantId: string, day: number, rows: AuditEntity[]): string {
    const fileKey = createHmac('sha256', this.root).update(`${tenantId}/${day}`).digest();
    const line = (fields: string[]) => {
      const body = fields.join('|');
      return `${body}|${b64u(createHmac('sha256', fileKey).update(body).digest().subarray(0, 16))}`;
    };
    const out = [line(['0', (day * 86400).toString(16), '0', '0', b64u(fileKey), b64u(this.sign(fileKey))])];
    for (const r of rows) {
      const ev = r.event ? parseEventName(r.event) : null;
      if (!ev) continue;
      const subject = r.keyId ? b64u(Buffer.from(uuidToHex(r.keyId), 'hex')) : 'U';
      out.push(line([Number(r.seq).toString(16), Math.floor(r.at / 1000).toString(16), ev.type.toString(16), ev.result.toString(16), subject, r.operation]));
    }
    return `${out.join('\n')}\n`;
  }
}
