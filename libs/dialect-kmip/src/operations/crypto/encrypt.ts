import { byteString } from '../../ttlv';
import { KmipFailure, type OperationHandler } from '../operation';
import { optional, required } from '../payload';
import { checkAuthenticatedMode } from './authenticated';
import { cipherFor } from './cipher';
import { encryptionIv } from './iv';
import { keyOf } from './key';
import { readParameters } from './parameters';
import { respond } from './respond';
import { refuseStreaming } from './streaming';

/**
 * Encrypt (KMIP 1.4 section 4.29): AES in CBC (PKCS5), ECB (whole blocks) or GCM, RSA with OAEP
 * or PKCS#1 v1.5. A server-made IV is returned in IV/Counter/Nonce; GCM's tag in Authenticated
 * Encryption Tag, apart from the ciphertext, as KMIP 1.4 carries it.
 */
export const encrypt: OperationHandler = async (call, payload) => {
  refuseStreaming(payload);
  const params = readParameters(payload) ?? {};
  const key = await keyOf(call, payload, params);
  const data = required(payload, 'Data', 'ByteString').value;
  const aad = optional(payload, 'Authenticated Encryption Additional Data', 'ByteString')?.value;
  const choice = cipherFor(key.info, params);
  if (choice.kind === 'rsa') {
    if (optional(payload, 'IV/Counter/Nonce', 'ByteString') !== undefined || aad !== undefined) {
      throw new KmipFailure('Invalid Field', 'RSA encryption takes no IV/Counter/Nonce or Authenticated Encryption Additional Data');
    }
    return respond(key.id, [byteString('Data', await call.ops.asymEncrypt(call.ctx, key.id, choice.params, data))]);
  }
  checkAuthenticatedMode(choice.name, choice.mode, call.version);
  if (aad !== undefined && !choice.mode.authenticated) throw new KmipFailure('Invalid Field', `${choice.name} takes no Authenticated Encryption Additional Data`);
  const { iv, made } = encryptionIv(payload, choice, params);
  const result = await call.ops.encrypt(call.ctx, key.id, { alg: choice.mode.alg, plaintext: data, iv, aad });
  return respond(key.id, [
    byteString('Data', result.ciphertext),
    ...(made ? [byteString('IV/Counter/Nonce', result.iv)] : []),
    ...(choice.mode.authenticated ? [byteString('Authenticated Encryption Tag', result.tag)] : []),
  ]);
};
