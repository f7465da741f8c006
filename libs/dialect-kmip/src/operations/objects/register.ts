import type { KeyMaterial } from '@kms/core';
import { KEY_FORMAT_TYPE, structure, textString, type Item } from '../../ttlv';
import { KmipFailure, type OperationHandler } from '../operation';
import { children, optional, required } from '../payload';
import { algorithmName, objectTypeName, specFor } from './algorithm';
import { attributesIn } from './attributes';
import { secretDataUsages } from './derivation';
import type { KmipBag } from './bag';
import { fromKeyObject, readPrivate, readPublic } from './key-formats';
import { TRANSPARENT_PRIVATE, TRANSPARENT_PUBLIC, isTransparent } from './transparent';
import { finishMaking, initialBag, usagesFrom } from './making';
import { readTemplate, type Template } from './template';

const formatName = (code: number): string => Object.entries(KEY_FORMAT_TYPE).find(([, v]) => v === code)?.[0] ?? `Key Format Type ${code}`;

interface KeyBlock {
  format: string;
  material: Item;
  algorithm?: string;
  length?: number;
}

function keyBlock(object: Item): KeyBlock {
  const kb = required(object, 'Key Block', 'Structure');
  if (optional(kb, 'Key Wrapping Data', 'Structure')) throw new KmipFailure('Feature Not Supported', 'wrapped Key Blocks are not served');
  const value = required(kb, 'Key Value', 'Structure');
  const [material] = children(value, 'Key Material');
  if (!material) throw new KmipFailure('Invalid Field', 'Key Material is required');
  const algorithm = optional(kb, 'Cryptographic Algorithm', 'Enumeration');
  const length = optional(kb, 'Cryptographic Length', 'Integer');
  return {
    format: formatName(required(kb, 'Key Format Type', 'Enumeration').value),
    material,
    ...(algorithm ? { algorithm: algorithmName(algorithm.value) } : {}),
    ...(length ? { length: length.value } : {}),
  };
}

function readTransparent(table: typeof TRANSPARENT_PRIVATE, block: KeyBlock) {
  const format = table[block.format];
  if (!format) throw new KmipFailure('Key Format Type Not Supported', `Key Format Type ${block.format} is not served for this object`);
  if (block.material.type !== 'Structure') throw new KmipFailure('Invalid Field', `Key Material of format ${block.format} is a Structure`);
  return format.read(block.material);
}

function bytesOf(block: KeyBlock): Buffer {
  if (block.material.type === 'ByteString') return block.material.value;
  if (block.material.type === 'Structure' && block.format === 'Transparent Symmetric Key') return required(block.material, 'Key', 'ByteString').value;
  throw new KmipFailure('Invalid Field', `Key Material of format ${block.format} must be a Byte String`);
}

interface Parsed {
  spec: string;
  material: KeyMaterial;
  bag: Partial<KmipBag>;
}

/** Each registrable object type: how its structure becomes a core spec and material. */
const OBJECTS: Readonly<Record<string, (object: Item, t: Template) => Parsed>> = {
  'Symmetric Key': (object, t) => {
    const block = keyBlock(object);
    if (!['Raw', 'Transparent Symmetric Key'].includes(block.format))
      throw new KmipFailure('Key Format Type Not Supported', `a Symmetric Key is registered as Raw or Transparent Symmetric Key, not ${block.format}`);
    const bytes = bytesOf(block);
    const algorithm = t.algorithm ?? block.algorithm;
    if (algorithm === undefined) throw new KmipFailure('Invalid Field', 'Cryptographic Algorithm is required');
    return { spec: specFor(algorithm, bytes.length * 8, 'Symmetric Key'), material: { kind: 'secret', bytes }, bag: { algorithm } };
  },
  'Secret Data': (object) => {
    const type = required(object, 'Secret Data Type', 'Enumeration').value;
    const block = keyBlock(object);
    if (!['Opaque', 'Raw'].includes(block.format)) throw new KmipFailure('Key Format Type Not Supported', `Secret Data is registered as Opaque, not ${block.format}`);
    const bytes = bytesOf(block);
    return { spec: `secret-${bytes.length * 8}`, material: { kind: 'secret', bytes }, bag: { objectType: 'Secret Data', secretDataType: type } };
  },
  'Private Key': (object, t) => {
    const block = keyBlock(object);
    if (isTransparent(block.format)) {
      const { spec, material } = fromKeyObject(readTransparent(TRANSPARENT_PRIVATE, block));
      return { spec, material, bag: { algorithm: t.algorithm ?? block.algorithm ?? (spec.startsWith('rsa') ? 'RSA' : 'EC') } };
    }
    const der = bytesOf(block);
    let read;
    try {
      read = readPrivate(block.format, der);
    } finally {
      // The decoded copy of the client's key: the core gets its own PKCS#8 form.
      der.fill(0);
    }
    const { spec, material } = read;
    return { spec, material, bag: { algorithm: t.algorithm ?? block.algorithm ?? (spec.startsWith('rsa') ? 'RSA' : 'EC') } };
  },
  'Public Key': (object, t) => {
    const block = keyBlock(object);
    const { spec, material } = isTransparent(block.format) ? fromKeyObject(readTransparent(TRANSPARENT_PUBLIC, block)) : readPublic(block.format, bytesOf(block));
    return { spec, material, bag: { algorithm: t.algorithm ?? block.algorithm ?? (spec.startsWith('rsa') ? 'RSA' : 'EC') } };
  },
};

/** Register: a client's own Symmetric Key, Private Key, Public Key or Secret Data, imported into the core. */
export const register: OperationHandler = async (call, payload) => {
  const typeCode = required(payload, 'Object Type', 'Enumeration').value;
  const type = objectTypeName(typeCode);
  const parse = OBJECTS[type];
  if (!parse) throw new KmipFailure('Feature Not Supported', `Register of a ${type} is not served`);
  const t = readTemplate(attributesIn(payload, 'Template-Attribute', 'Attributes'));
  const parsed = parse(required(payload, type, 'Structure'), t);
  // Secret Data exists to be handed back (a password, a seed): it is always exportable, and its
  // usage mask is kept as given (the core's secret keys know only MAC and derive usages: derivation.ts).
  const secretData = type === 'Secret Data';
  const { usages, exportable } = secretData ? { usages: secretDataUsages(t.mask), exportable: true } : usagesFrom(t);
  const { bag, active } = initialBag(t);
  try {
    const made = await call.ops.import(call.ctx, {
      spec: parsed.spec,
      material: parsed.material,
      ...(usages ? { usages } : {}),
      exportable,
      attributes: { kmip: { ...bag, ...parsed.bag, ...(secretData && t.mask !== undefined ? { mask: t.mask } : {}) } },
    });
    const record = await finishMaking(call, made, t, active);
    return { payload: structure('Response Payload', [textString('Unique Identifier', record.id)]), uniqueIdentifier: record.id };
  } finally {
    if (parsed.material.kind === 'secret') parsed.material.bytes.fill(0);
    if (parsed.material.kind === 'pkcs8') parsed.material.der.fill(0);
  }
};
