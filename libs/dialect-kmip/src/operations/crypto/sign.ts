import { byteString, enumeration, VALIDITY_INDICATOR, type Item } from '../../ttlv';
import { KmipFailure, type OperationHandler } from '../operation';
import { optional, required } from '../payload';
import { keyOf } from './key';
import { readParameters } from './parameters';
import { respond } from './respond';
import { signatureFor } from './signature';
import { refuseStreaming } from './streaming';

/** The message, or its digest (KMIP 1.4 Digested Data): one of the two, never both. */
function signedInput(payload: Item | null): { data: Buffer; prehashed: boolean } {
  const data = optional(payload, 'Data', 'ByteString')?.value;
  const digest = optional(payload, 'Digested Data', 'ByteString')?.value;
  if (data !== undefined && digest !== undefined) throw new KmipFailure('Invalid Field', 'a request carries Data or Digested Data, not both');
  if (digest !== undefined) return { data: digest, prehashed: true };
  if (data !== undefined) return { data, prehashed: false };
  throw new KmipFailure('Invalid Field', 'Data or Digested Data is required');
}

/** Sign (KMIP 1.4 section 4.31): RSA PKCS#1 v1.5 and PSS, ECDSA. */
export const sign: OperationHandler = async (call, payload) => {
  refuseStreaming(payload);
  const params = readParameters(payload) ?? {};
  const key = await keyOf(call, payload, params);
  const input = signedInput(payload);
  const signature = await call.ops.sign(call.ctx, key.id, signatureFor(key.info, params, input.prehashed), input.data);
  return respond(key.id, [byteString('Signature Data', signature)]);
};

/** Signature Verify (KMIP 1.4 section 4.32): a signature that does not verify is Validity Indicator Invalid, not a failure. */
export const signatureVerify: OperationHandler = async (call, payload) => {
  refuseStreaming(payload);
  const params = readParameters(payload) ?? {};
  const key = await keyOf(call, payload, params);
  const input = signedInput(payload);
  const signature = required(payload, 'Signature Data', 'ByteString').value;
  const valid = await call.ops.verify(call.ctx, key.id, signatureFor(key.info, params, input.prehashed), input.data, signature);
  return respond(key.id, [enumeration('Validity Indicator', VALIDITY_INDICATOR[valid ? 'Valid' : 'Invalid'])]);
};
