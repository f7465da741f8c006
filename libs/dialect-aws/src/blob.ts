import { UUID_RE } from '@kms/core';
import { AwsError } from './errors';

/**
 * The CiphertextBlob of a symmetric key: opaque to clients, self-describing to us, so that
 * Decrypt and ReEncrypt need no KeyId (docs/aws.md, "Ciphertext blob"):
 *
 *   0       1 byte   format, 0x01
 *   1      16 bytes  key id (the UUID's bytes)
 *   17      4 bytes  key version, unsigned big-endian
 *   21     12 bytes  AES-GCM IV
 *   33     16 bytes  AES-GCM tag
 *   49      ...      AES-256-GCM ciphertext
 *
 * The AAD is the canonical EncryptionContext (encodeContext). A blob opened with another context
 * fails its tag; so does one whose header was changed to name another key or version, since that
 * is other key material: InvalidCiphertextException either way, as AWS answers.
 */
export const BLOB_FORMAT = 0x01;
const HEADER = 21;
const IV = 12;
const TAG = 16;

export interface BlobHeader {
  keyId: string;
  version: number;
}

export interface Blob extends BlobHeader {
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

export function headerBytes(h: BlobHeader): Buffer {
  const out = Buffer.alloc(HEADER);
  out[0] = BLOB_FORMAT;
  Buffer.from(h.keyId.replace(/-/g, ''), 'hex').copy(out, 1);
  out.writeUInt32BE(h.version, 17);
  return out;
}

export function encodeBlob(b: Blob): Buffer {
  if (b.iv.length !== IV || b.tag.length !== TAG) throw new Error('AES-GCM output of unexpected size');
  return Buffer.concat([headerBytes(b), b.iv, b.tag, b.ciphertext]);
}

/** Any blob that is not one of ours is InvalidCiphertextException, as AWS answers for a blob it cannot read. */
export function decodeBlob(blob: Buffer): Blob {
  if (blob.length < HEADER + IV + TAG || blob[0] !== BLOB_FORMAT) throw invalidCiphertext();
  const hex = blob.subarray(1, 17).toString('hex');
  const keyId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const version = blob.readUInt32BE(17);
  if (!UUID_RE.test(keyId) || version < 1) throw invalidCiphertext();
  return { keyId, version, iv: blob.subarray(HEADER, HEADER + IV), tag: blob.subarray(HEADER + IV, HEADER + IV + TAG), ciphertext: blob.subarray(HEADER + IV + TAG) };
}

export const invalidCiphertext = () => new AwsError('InvalidCiphertextException', 'The ciphertext is invalid or was not made with this key and encryption context.');

/**
 * The EncryptionContext as bytes: pairs sorted by key (UTF-8 byte order), each key and value
 * preceded by its UTF-8 length (2 bytes, big-endian), after the count of pairs (2 bytes). Order
 * of the JSON members does not matter; every pair does.
 */
export function encodeContext(context: Record<string, string> | undefined): Buffer {
  const pairs = Object.entries(context ?? {}).map(([k, v]) => [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')] as const);
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]));
  const parts: Buffer[] = [u16(pairs.length)];
  for (const [k, v] of pairs) parts.push(u16(k.length), k, u16(v.length), v);
  return Buffer.concat(parts);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
