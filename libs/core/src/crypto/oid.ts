/**
 * DER of an OBJECT IDENTIFIER from its dotted form, so that tables can hold the dotted OID (as the
 * RFCs print it) and every DER use (CKA_EC_PARAMS, SPKI / PKCS#8 algorithm identifiers) comes from it.
 */
export function oidDer(dotted: string): Buffer {
  const arcs = dotted.split('.').map((a) => BigInt(a));
  if (arcs.length < 2) throw new Error(`not an OID: ${dotted}`);
  const [first = 0n, second = 0n, ...rest] = arcs;
  const body = [first * 40n + second, ...rest].flatMap(base128);
  return Buffer.from([0x06, body.length, ...body]);
}

/** An arc in base 128, high bit set on every byte but the last (X.690 8.19.2). */
function base128(arc: bigint): number[] {
  const out = [Number(arc & 0x7fn)];
  for (let v = arc >> 7n; v > 0n; v >>= 7n) out.unshift(Number(v & 0x7fn) | 0x80);
  return out;
}
