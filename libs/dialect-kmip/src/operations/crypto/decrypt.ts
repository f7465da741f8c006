import { byteString } from '../../ttlv';
import { KmipFailure, type OperationHandler } from '../operation';
import { optional, required } from '../payload';
import { checkAuthenticatedMode } from './authenticated';
import { cipherFor } from './cipher';
import { givenIv } from './iv';
import { keyOf } from './key';
import { readParameters } from './parameters';
import { respond } from './respond';
import { refuseStreaming } from './streaming';
import { GCM_TAG_BYTES } from './tables';

/**
 * Decrypt (KMIP 1.4 section 4.30), the inverse of Encrypt: the IV (and GCM's tag) must be sent.
 * A GCM tag that does not verify, or RSA padding that does not check, is Cryptographic Failure
 * (the core's CRYPTO_FAILURE). PKCS#1 v1.5 decryption is served because the core rejects bad
 * padding implicitly (a synthetic message, never a distinct error), which closes Bleichenbacher's
 * oracle.
 */
export const decrypt: OperationHandler = async (call, payload) => {
  refuseStreaming(payload);
  const params = readParameters(payload) ?? {};
  const key = await keyOf(call, payload, params);
  const data = required(payload, 'Data', 'ByteString').value;
  const aad = optional(payload, 'Authenticated Encryption Additional Data', 'ByteString')?.value;
  const tag = optional(payload, 'Authenticated Encryption Tag', 'ByteString')?.value;
  const choice = cipherFor(key.info, params);
  if (choice.kind === 'rsa') {
    if (optional(payload, 'IV/Counter/Nonce', 'ByteString') !== undefined || aad !== undefined || tag !== undefined) {
      throw new KmipFailure('Invalid Field', 'RSA decryption takes no IV/Counter/Nonce, Additional Data or Tag');
    }
    return respond(key.id, [byteString('Data', await call.ops.asymDecrypt(call.ctx, key.id, choice.params, data))]);
  }
  const { name, mode } = choice;
  checkAuthenticatedMode(name, mode, call.version);
  const iv = givenIv(payload, choice);
  if (iv === undefined && mode.ivBytes.length > 0) throw new KmipFailure('Invalid Field', `${name} decryption needs the IV/Counter/Nonce`);
  if (!mode.authenticated && (aad !== undefined || tag !== undefined)) throw new KmipFailure('Invalid Field', `${name} takes no Authenticated Encryption Additional Data or Tag`);
  if (mode.authenticated && tag === undefined) throw new KmipFailure('Invalid Field', `${name} decryption needs the Authenticated Encryption Tag`);
  if (tag !== undefined && tag.length !== GCM_TAG_BYTES) throw new KmipFailure('Invalid Field', `the Authenticated Encryption Tag must be ${GCM_TAG_BYTES} bytes`);
  const plaintext = await call.ops.decrypt(call.ctx, key.id, { alg: mode.alg, ciphertext: data, iv: iv ?? Buffer.alloc(0), tag: tag ?? Buffer.alloc(0), aad });
  return respond(key.id, [byteString('Data', plaintext)]);
};
