import type { Sealer } from '@kms/core';
import { EhsmFailure } from '../envelope';

/**
 * v1 `cmk_base64` blobs (notes §8.1). The client holds the only copy, so a blob must carry its
 * key, sealed: the vendor's 36-byte v1 header (v1 keyspec numbering, so tools can still peek at
 * byte 0), then the sealer's versioned AES-256-GCM envelope (0x01 ‖ iv ‖ ct ‖ tag) under the
 * `key-blob` key derived from the master key, with the header and the appid as AAD: a flipped
 * bit, a swapped keyspec byte or another app's blob fails to open. Upstream's header is not
 * authenticated at all, and its domain key lives in SGX; these blobs are gateway-specific.
 */
export const V1_KEYSPECS = ['EH_AES_GCM_128', 'EH_AES_GCM_256', 'EH_RSA_2048', 'EH_RSA_3072', 'EH_EC_P256', 'EH_EC_P512', 'EH_EC_SM2', 'EH_SM4'] as const;
export const V1_ORIGINS = ['EH_INTERNAL_KEY', 'EXTERNAL_KEY'] as const;
/** The two keyspecs the v1 enclave could actually create. */
export type V1Usable = 'EH_AES_GCM_128' | 'EH_RSA_3072';

const HEADER = 36;
/** Sealer envelope overhead: version (1) ‖ iv (12) ‖ … ‖ tag (16). */
const ENVELOPE_MIN = 1 + 12 + 16;

export interface V1Key {
  keyspec: V1Usable;
  /** AES-128: the 16 raw key bytes; RSA-3072: PKCS#8 DER of the private key. */
  material: Buffer;
}

function header(keyspec: V1Usable): Buffer {
  const h = Buffer.alloc(HEADER);
  h.writeUInt32LE(V1_KEYSPECS.indexOf(keyspec), 0);
  // origin EH_INTERNAL_KEY (0), purpose 0, apiversion 0, description and createdate zero
  return h;
}

const aad = (h: Buffer, appid: string) => Buffer.concat([Buffer.from('ehsm-v1-cmk\u0000', 'utf8'), h, Buffer.from(appid, 'utf8')]);

export function sealV1(sealer: Sealer, appid: string, key: V1Key): string {
  const h = header(key.keyspec);
  return Buffer.concat([h, sealer.seal('key-blob', key.material, aad(h, appid))]).toString('base64');
}

/** Throws the vendor's texts: a blob too short for any key is 400, one that does not open 500. */
export function openV1(sealer: Sealer, appid: string, cmkBase64: string): V1Key {
  const blob = Buffer.from(cmkBase64, 'base64');
  if (blob.length < HEADER + ENVELOPE_MIN) throw new EhsmFailure(400, "The cmk's length is invalid.");
  const h = blob.subarray(0, HEADER);
  const keyspec = V1_KEYSPECS[h.readUInt32LE(0)];
  if (keyspec !== 'EH_AES_GCM_128' && keyspec !== 'EH_RSA_3072') throw new EhsmFailure(500, 'Server exception.');
  try {
    return { keyspec, material: sealer.open('key-blob', blob.subarray(HEADER), aad(h, appid)) };
  } catch {
    throw new EhsmFailure(500, 'Server exception.');
  }
}
