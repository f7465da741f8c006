import type { KeyMaterial } from '@kms/core';

/**
 * The clear form of soft key material, as sealed into `backend_ref`: one tag byte, then the bytes.
 * Public-only keys have no material; their SPKI lives in the record.
 */
const TAGS = { secret: 1, pkcs8: 2, 'raw-private': 3 } as const;

export function encodeMaterial(m: KeyMaterial): Buffer {
  switch (m.kind) {
    case 'secret':
      return Buffer.concat([Buffer.of(TAGS.secret), m.bytes]);
    case 'pkcs8':
      return Buffer.concat([Buffer.of(TAGS.pkcs8), m.der]);
    case 'raw-private':
      return Buffer.concat([Buffer.of(TAGS['raw-private']), m.bytes]);
    case 'public':
      throw new Error('public keys are not sealed');
  }
}

export function decodeMaterial(b: Buffer): KeyMaterial {
  const body = b.subarray(1);
  switch (b[0]) {
    case TAGS.secret:
      return { kind: 'secret', bytes: body };
    case TAGS.pkcs8:
      return { kind: 'pkcs8', der: body };
    case TAGS['raw-private']:
      return { kind: 'raw-private', bytes: body };
    default:
      throw new Error('unknown sealed material tag');
  }
}
