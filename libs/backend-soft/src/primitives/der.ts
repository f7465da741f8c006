/**
 * Minimal strict DER reader/writer for the few structures the primitives exchange with OpenSSL
 * (SM2 signatures and ciphertexts, SubjectPublicKeyInfo, PKCS#8).
 *
 * The reader is deliberately strict: only definite, minimally encoded lengths, single-byte tags
 * and minimal INTEGERs are accepted. OpenSSL re-encodes and compares signatures before
 * verifying, so accepting BER here would make us verify inputs OpenSSL rejects (malleability).
 */

export const TAG_INTEGER = 0x02;
export const TAG_BIT_STRING = 0x03;
export const TAG_OCTET_STRING = 0x04;
export const TAG_OID = 0x06;
export const TAG_SEQUENCE = 0x30;
/** Context-specific constructed tag [n]. */
export const tagContext = (n: number): number => 0xa0 | n;

export class DerError extends Error {
  constructor(message: string) {
    super(`DER: ${message}`);
    this.name = 'DerError';
  }
}

function encodeLength(len: number): Uint8Array {
  if (len < 0x80) return Uint8Array.of(len);
  const bytes: number[] = [];
  for (let v = len; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function encodeTlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const body = concatBytes(...content);
  return concatBytes(Uint8Array.of(tag), encodeLength(body.length), body);
}

export const encodeSequence = (...items: Uint8Array[]): Uint8Array => encodeTlv(TAG_SEQUENCE, ...items);
export const encodeOctetString = (data: Uint8Array): Uint8Array => encodeTlv(TAG_OCTET_STRING, data);
/** BIT STRING with zero unused bits (all our payloads are whole octets). */
export const encodeBitString = (data: Uint8Array): Uint8Array => encodeTlv(TAG_BIT_STRING, Uint8Array.of(0), data);

/** Non-negative INTEGER from an unsigned big-endian magnitude (leading zeros are stripped). */
export function encodeUnsignedInteger(magnitude: Uint8Array): Uint8Array {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  let body = magnitude.subarray(i);
  if (body.length === 0) body = Uint8Array.of(0);
  if (body[0] & 0x80) body = concatBytes(Uint8Array.of(0), body);
  return encodeTlv(TAG_INTEGER, body);
}

export function encodeBigInt(value: bigint): Uint8Array {
  if (value < 0n) throw new DerError('negative INTEGER not supported');
  let hex = value.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return encodeUnsignedInteger(Uint8Array.from(Buffer.from(hex, 'hex')));
}

export function encodeSmallInteger(value: number): Uint8Array {
  return encodeBigInt(BigInt(value));
}

export interface Tlv {
  tag: number;
  /** Content octets (a view into the input). */
  content: Uint8Array;
  /** Whole encoding including tag and length (a view into the input). */
  raw: Uint8Array;
}

export class DerReader {
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  peekTag(): number | undefined {
    return this.done ? undefined : this.buf[this.pos];
  }

  read(): Tlv {
    const start = this.pos;
    const buf = this.buf;
    if (start + 2 > buf.length) throw new DerError('truncated');
    const tag = buf[start];
    if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags not supported');
    let len = buf[start + 1];
    let p = start + 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0) throw new DerError('indefinite length');
      if (n > 4) throw new DerError('length too large');
      if (p + n > buf.length) throw new DerError('truncated length');
      if (buf[p] === 0) throw new DerError('non-minimal length');
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + buf[p + i];
      p += n;
      if (len < 0x80) throw new DerError('non-minimal length');
    }
    if (p + len > buf.length) throw new DerError('truncated content');
    this.pos = p + len;
    return { tag, content: buf.subarray(p, p + len), raw: buf.subarray(start, p + len) };
  }

  expect(tag: number): Uint8Array {
    const tlv = this.read();
    if (tlv.tag !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}, got 0x${tlv.tag.toString(16)}`);
    return tlv.content;
  }

  expectSequence(): DerReader {
    return new DerReader(this.expect(TAG_SEQUENCE));
  }

  /** Reads a non-negative, minimally encoded INTEGER. */
  readUnsignedInteger(): bigint {
    const c = this.expect(TAG_INTEGER);
    if (c.length === 0) throw new DerError('empty INTEGER');
    if (c[0] & 0x80) throw new DerError('negative INTEGER');
    if (c.length > 1 && c[0] === 0 && !(c[1] & 0x80)) throw new DerError('non-minimal INTEGER');
    return BigInt('0x' + Buffer.from(c).toString('hex'));
  }

  readSmallInteger(): number {
    const v = this.readUnsignedInteger();
    if (v > 0xffffn) throw new DerError('INTEGER too large');
    return Number(v);
  }

  /** BIT STRING content without the unused-bits octet; only whole-octet strings are accepted. */
  readBitStringOctets(): Uint8Array {
    const c = this.expect(TAG_BIT_STRING);
    if (c.length < 1 || c[0] !== 0) throw new DerError('BIT STRING with unused bits');
    return c.subarray(1);
  }

  end(): void {
    if (!this.done) throw new DerError('trailing data');
  }
}

/** Variable-time comparison: only for public values such as OIDs and public keys. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
