import { structure, textString } from '../../ttlv';
import { KmipFailure, type OperationHandler } from '../operation';
import { optional } from '../payload';
import { attributesIn } from './attributes';
import { targetOf } from './target';

/**
 * Re-key: a new version of the same core key (the key-lifecycle rotation), so the Unique
 * Identifier stays the one every dialect knows; new encryptions use the new version and the
 * older ones still decrypt. KMIP's Re-key makes a new object instead: docs/kmip.md says why not.
 */
export const rekey: OperationHandler = async (call, payload) => {
  const record = await targetOf(call, payload);
  if (optional(payload, 'Offset', 'Interval')) throw new KmipFailure('Feature Not Supported', 'Re-key with an Offset is not served');
  if (attributesIn(payload, 'Template-Attribute', 'Attributes').length)
    throw new KmipFailure('Feature Not Supported', "Re-key takes no attributes here: the new version keeps the key's own");
  const next = await call.ops.lifecycle.rotate(call.ctx, record.id);
  return { payload: structure('Response Payload', [textString('Unique Identifier', next.id)]), uniqueIdentifier: next.id };
};
