import { KmsError, type KeyOperations, type KeyUsage, type OpContext } from '@kms/core';
import type { UsableKey } from '../actions/context';
import { EhsmFailure, MSG } from '../envelope';
import { type EhsmKind, KEYSPECS } from '../keyspecs';

/**
 * v1 `cmk_base64` blobs (notes §8.1). The client holds the only copy, so a blob carries its key,
 * sealed by the core (KeyOperations.createSealed): the vendor's 36-byte v1 header (v1 keyspec
 * numbering, so tools can still peek at byte 0), then the core's sealed key, with the header and
 * the appid as AAD: a flipped bit, a swapped keyspec byte or another app's blob fails to open.
 * Upstream's header is not authenticated at all, and its domain key lives in SGX; these blobs are
 * gateway-specific.
 *
 * v1's own numbering, in its order; EH_RSA_4096, which the v1 document lists but v1's enum never
 * had, takes the next number.
 */
export const V1_KEYSPECS = ['EH_AES_GCM_128', 'EH_AES_GCM_256', 'EH_RSA_2048', 'EH_RSA_3072', 'EH_EC_P256', 'EH_EC_P512', 'EH_EC_SM2', 'EH_SM4', 'EH_RSA_4096'] as const;
export type V1Keyspec = (typeof V1_KEYSPECS)[number];
export const V1_ORIGINS = ['EH_INTERNAL_KEY', 'EXTERNAL_KEY'] as const;

/**
 * Each v1 keyspec as the keyid API names it, which gives its canonical spec, kind and cipher. v1
 * enclaves made only AES-128 and RSA-3072; the rest is what the v1 document promised "later":
 * EH_EC_P512 is read as NIST P-521 (there is no 512-bit NIST curve), EH_SM4 as SM4-CBC.
 */
const AS_KEYID: Record<V1Keyspec, string> = {
  EH_AES_GCM_128: 'EH_AES_GCM_128',
  EH_AES_GCM_256: 'EH_AES_GCM_256',
  EH_RSA_2048: 'EH_RSA_2048',
  EH_RSA_3072: 'EH_RSA_3072',
  EH_RSA_4096: 'EH_RSA_4096',
  EH_EC_P256: 'EH_EC_P256',
  EH_EC_P512: 'EH_EC_P521',
  EH_EC_SM2: 'EH_SM2',
  EH_SM4: 'EH_SM4_CBC',
};

/** What a v1 key of each kind may do (v1 has no key usage field): everything its type allows. */
const USAGES: Record<EhsmKind, KeyUsage[]> = {
  sym: ['encrypt', 'decrypt'],
  rsa: ['encrypt', 'decrypt', 'sign', 'verify'],
  ec: ['sign', 'verify'],
  sm2: ['sign', 'verify', 'encrypt', 'decrypt'],
};

const HEADER = 36;
/** Sealer envelope overhead: version (1) ‖ iv (12) ‖ … ‖ tag (16). */
const ENVELOPE_MIN = 1 + 12 + 16;

function header(keyspec: V1Keyspec): Buffer {
  const h = Buffer.alloc(HEADER);
  h.writeUInt32LE(V1_KEYSPECS.indexOf(keyspec), 0);
  // origin EH_INTERNAL_KEY (0), purpose 0, apiversion 0, description and createdate zero
  return h;
}

const bindingOf = (h: Buffer, appid: string) => Buffer.concat([Buffer.from('ehsm-v1-cmk\u0000', 'utf8'), h, Buffer.from(appid, 'utf8')]);

const keyidSpec = (keyspec: V1Keyspec) => KEYSPECS.get(AS_KEYID[keyspec])!;

export async function createV1(keys: KeyOperations, op: OpContext, appid: string, keyspec: V1Keyspec): Promise<string> {
  const spec = keyidSpec(keyspec);
  const h = header(keyspec);
  const sealed = await keys.createSealed(op, { spec: spec.spec!, usages: USAGES[spec.kind] }, bindingOf(h, appid));
  return Buffer.concat([h, sealed]).toString('base64');
}

/**
 * The key of a blob, ready for the shared crypto helpers. Throws the vendor's texts: a blob too
 * short for any key is 400, one that does not open 500 (the core audits that refusal). Blobs from
 * before the core sealed them (raw AES-128 or RSA-3072 material) still open.
 */
export async function openV1(keys: KeyOperations, op: OpContext, appid: string, cmkBase64: string): Promise<UsableKey> {
  const blob = Buffer.from(cmkBase64, 'base64');
  if (blob.length < HEADER + ENVELOPE_MIN) throw new EhsmFailure(400, "The cmk's length is invalid.");
  const h = blob.subarray(0, HEADER);
  const keyspec = V1_KEYSPECS[h.readUInt32LE(0)];
  if (!keyspec) throw new EhsmFailure(500, MSG.serverException);
  const spec = keyidSpec(keyspec);
  try {
    const key = await keys.openSealed(op, blob.subarray(HEADER), bindingOf(h, appid), { spec: spec.spec!, usages: USAGES[spec.kind] });
    return { record: key.record, spec, ref: key };
  } catch (err) {
    if (err instanceof KmsError && err.code !== 'INTERNAL') throw new EhsmFailure(500, MSG.serverException, true);
    throw err;
  }
}
