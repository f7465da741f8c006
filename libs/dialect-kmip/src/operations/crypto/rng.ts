import { byteString, structure } from '../../ttlv';
import type { OperationHandler } from '../operation';
import { required } from '../payload';

/** RNG Retrieve (KMIP 1.4 section 4.35): Data Length bytes from the core (1..65536; more is the core's Invalid Field). */
export const rngRetrieve: OperationHandler = async (call, payload) => {
  const length = required(payload, 'Data Length', 'Integer').value;
  const data = await call.ops.random(call.ctx, length);
  return { payload: structure('Response Payload', [byteString('Data', data)]) };
};
