/** The little DER this backend needs: EC SPKI / SEC1 / PKCS#8 assembly and ECDSA r||s <-> DER. */

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
export const tlv = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
};
export const seq = (...items: Buffer[]) => tlv(0x30, ...items);
export const octets = (b: Buffer) => tlv(0x04, b);
export const bitString = (b: Buffer) => tlv(0x03, Buffer.from([0]), b);
export const uint = (b: Buffer): Buffer => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return tlv(0x02, v[0] & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
};

/** Reads one TLV at `pos`; throws on anything malformed. */
export function readTlv(buf: Buffer, pos = 0): { tag: number; value: Buffer; end: number } {
  if (pos + 2 > buf.length) throw new Error('truncated DER');
  const tag = buf[pos];
  let l = buf[pos + 1];
  let p = pos + 2;
  if (l & 0x80) {
    const n = l & 0x7f;
    if (n === 0 || n > 3 || p + n > buf.length) throw new Error('bad DER length');
    l = 0;
    for (let i = 0; i < n; i++) l = (l << 8) | buf[p + i];
    p += n;
  }
  if (p + l > buf.length) throw new Error('truncated DER');
  return { tag, value: buf.subarray(p, p + l), end: p + l };
}

/** CKA_EC_POINT is an OCTET STRING around the point (PKCS#11 2.40); some tokens give it bare. */
export function unwrapEcPoint(attr: Buffer): Buffer {
  if (attr[0] === 0x04) {
    try {
      const t = readTlv(attr);
      if (t.end === attr.length && t.tag === 0x04) return Buffer.from(t.value);
    } catch {
      // a bare uncompressed point also starts with 0x04
    }
  }
  return Buffer.from(attr);
}

export function leftPad(b: Buffer, size: number): Buffer {
  return b.length >= size ? b : Buffer.concat([Buffer.alloc(size - b.length), b]);
}

/** ECDSA raw r||s (what PKCS#11 gives) to X9.62 DER. */
export function rawToDer(raw: Buffer): Buffer {
  const half = raw.length / 2;
  return seq(uint(raw.subarray(0, half)), uint(raw.subarray(half)));
}

/** X9.62 DER to raw r||s of the curve's size; throws on a malformed or oversized signature. */
export function derToRaw(der: Buffer, size: number): Buffer {
  const s = readTlv(der);
  if (s.tag !== 0x30 || s.end !== der.length) throw new Error('not a DER signature');
  const r = readTlv(s.value, 0);
  const t = readTlv(s.value, r.end);
  if (r.tag !== 0x02 || t.tag !== 0x02 || t.end !== s.value.length) throw new Error('not a DER signature');
  const strip = (v: Buffer) => {
    let i = 0;
    while (i < v.length - 1 && v[i] === 0) i++;
    const out = v.subarray(i);
    if (out.length > size) throw new Error('integer too large');
    return leftPad(out, size);
  };
  return Buffer.concat([strip(r.value), strip(t.value)]);
}
