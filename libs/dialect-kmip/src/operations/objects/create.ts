import { OBJECT_TYPE, enumeration, structure, textString } from '../../ttlv';
import { KmipFailure, type OperationHandler } from '../operation';
import { required } from '../payload';
import { specFor } from './algorithm';
import { attributesIn } from './attributes';
import { finishMaking, initialBag, usagesFrom } from './making';
import { readTemplate } from './template';

/** Create: a symmetric key (AES 128/192/256, or an HMAC-SHA2 key), made by the backend the routing rules pick. */
export const create: OperationHandler = async (call, payload) => {
  const objectType = required(payload, 'Object Type', 'Enumeration').value;
  if (objectType !== OBJECT_TYPE['Symmetric Key']) throw new KmipFailure('Invalid Field', 'Create makes Symmetric Keys; Create Key Pair makes key pairs');
  const t = readTemplate(attributesIn(payload, 'Template-Attribute', 'Attributes'));
  if (t.algorithm === undefined) throw new KmipFailure('Invalid Field', 'Cryptographic Algorithm is required');
  const spec = specFor(t.algorithm, t.length, 'Symmetric Key');
  const { usages, exportable } = usagesFrom(t);
  const { bag, active } = initialBag(t);
  const made = await call.ops.create(call.ctx, { spec, ...(usages ? { usages } : {}), exportable, attributes: { kmip: { ...bag, algorithm: t.algorithm } } });
  const record = await finishMaking(call, made, t, active);
  return {
    payload: structure('Response Payload', [enumeration('Object Type', OBJECT_TYPE['Symmetric Key']), textString('Unique Identifier', record.id)]),
    uniqueIdentifier: record.id,
  };
};
