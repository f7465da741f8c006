import type { HashAlg } from '@kms/core';
import { byteString, enumeration, VALIDITY_INDICATOR } from '../../ttlv';
import { KmipFailure, type OperationHandler } from '../operation';
import { required } from '../payload';
import { hashOf } from './hash';
import { keyOf, type CryptoKey } from './key';
import { DEFAULT_MAC_HASH } from './key-defaults';
import { readParameters, type CryptoParameters } from './parameters';
import { respond } from './respond';
import { refuseStreaming } from './streaming';
import { HMAC_HASH } from './tables';

/**
 * HMAC's hash: from the request's Cryptographic Algorithm (HMAC-SHA256 ...), which is how PyKMIP
 * asks, or its Hashing Algorithm; else from the algorithm the key was made with over KMIP; else
 * SHA-256. An AES key would mean CMAC or GMAC to KMIP, which the core has not.
 */
function macHash(key: CryptoKey, p: CryptoParameters): HashAlg {
  const { info } = key;
  if (info.family !== 'secret') throw new KmipFailure('Illegal Operation', `a ${info.spec} key does not MAC here (HMAC keys do)`);
  const named = p.algorithm === undefined ? undefined : HMAC_HASH[p.algorithm];
  const hash = hashOf(p.hash, named ?? HMAC_HASH[key.algorithm ?? ''] ?? DEFAULT_MAC_HASH);
  if (named !== undefined && hash !== named) throw new KmipFailure('Invalid Field', `Hashing Algorithm ${p.hash} contradicts Cryptographic Algorithm ${p.algorithm}`);
  return hash;
}

/** MAC (KMIP 1.4 section 4.33): HMAC with SHA-1, SHA-2 and SHA-3. */
export const mac: OperationHandler = async (call, payload) => {
  refuseStreaming(payload);
  const params = readParameters(payload) ?? {};
  const key = await keyOf(call, payload, params);
  const data = required(payload, 'Data', 'ByteString').value;
  const result = await call.ops.mac(call.ctx, key.id, macHash(key, params), data);
  return respond(key.id, [byteString('MAC Data', result)]);
};

/** MAC Verify (KMIP 1.4 section 4.34): compared in constant time by the core; a mismatch is Validity Indicator Invalid. */
export const macVerify: OperationHandler = async (call, payload) => {
  refuseStreaming(payload);
  const params = readParameters(payload) ?? {};
  const key = await keyOf(call, payload, params);
  const data = required(payload, 'Data', 'ByteString').value;
  const given = required(payload, 'MAC Data', 'ByteString').value;
  const valid = await call.ops.macVerify(call.ctx, key.id, macHash(key, params), data, given);
  return respond(key.id, [enumeration('Validity Indicator', VALIDITY_INDICATOR[valid ? 'Valid' : 'Invalid'])]);
};
