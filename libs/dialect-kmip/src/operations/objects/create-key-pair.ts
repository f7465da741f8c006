import { CURVES, type Curve } from '@kms/core';
import { textString, structure } from '../../ttlv';
import { KmipFailure, type OperationHandler } from '../operation';
import { specFor } from './algorithm';
import { attributesIn } from './attributes';
import { saveBag } from './bag';
import { finishMaking, initialBag, usagesFrom } from './making';
import { mergeTemplates, readTemplate } from './template';

/**
 * Create Key Pair: one core key of class `private` (RSA 2048/3072/4096, EC P-256/384/521), and
 * its public half imported as a second core key, so that each KMIP object has its own Unique
 * Identifier; each is linked to the other (Link attribute).
 */
export const createKeyPair: OperationHandler = async (call, payload) => {
  const common = readTemplate(attributesIn(payload, 'Common Template-Attribute', 'Common Attributes'));
  const priv = mergeTemplates(common, readTemplate(attributesIn(payload, 'Private Key Template-Attribute', 'Private Key Attributes')));
  const pub = mergeTemplates(common, readTemplate(attributesIn(payload, 'Public Key Template-Attribute', 'Public Key Attributes')));
  const algorithm = priv.algorithm ?? pub.algorithm;
  if (algorithm === undefined) throw new KmipFailure('Invalid Field', 'Cryptographic Algorithm is required');
  const curve = priv.curve ?? pub.curve;
  const spec = curve !== undefined && curve in CURVES ? CURVES[curve as Curve].spec : specFor(algorithm, priv.length ?? pub.length, 'Key Pair');
  const privUse = usagesFrom(priv);
  const pubUse = usagesFrom(pub);
  const privState = initialBag(priv);
  const pubState = initialBag(pub);
  const made = await call.ops.create(call.ctx, {
    spec,
    ...(privUse.usages ? { usages: privUse.usages } : {}),
    exportable: privUse.exportable,
    attributes: { kmip: { ...privState.bag, algorithm } },
  });
  let publicId: string | null = null;
  try {
    const { spki } = await call.ops.getPublicKey(call.ctx, made.id);
    const pubRecord = await call.ops.import(call.ctx, {
      spec,
      material: { kind: 'public', spki },
      ...(pubUse.usages ? { usages: pubUse.usages } : {}),
      attributes: { kmip: { ...pubState.bag, algorithm, links: [{ type: 'Private Key Link', id: made.id }] } },
    });
    publicId = pubRecord.id;
    const linked = await saveBag(call.ops, call.ctx, made, (b) => ({ ...b, links: [{ type: 'Public Key Link', id: pubRecord.id }] }));
    await finishMaking(call, linked, priv, privState.active);
    await finishMaking(call, pubRecord, pub, pubState.active);
  } catch (err) {
    await call.ops.destroy(call.ctx, made.id).catch(() => {});
    if (publicId) await call.ops.destroy(call.ctx, publicId).catch(() => {});
    throw err;
  }
  return {
    payload: structure('Response Payload', [textString('Private Key Unique Identifier', made.id), textString('Public Key Unique Identifier', publicId)]),
    uniqueIdentifier: made.id,
  };
};
