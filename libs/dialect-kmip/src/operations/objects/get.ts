import { createPrivateKey, createPublicKey } from 'node:crypto';
import { specInfo, type KeyRecord } from '@kms/core';
import { CRYPTOGRAPHIC_ALGORITHM, KEY_FORMAT_TYPE, OBJECT_TYPE, byteString, enumeration, integer, structure, textString, type Item } from '../../ttlv';
import { KmipFailure, type KmipCall, type OperationHandler } from '../operation';
import { optional } from '../payload';
import { algorithmOf, objectTypeOf, type ObjectType } from './algorithm';
import { kmipBag } from './bag';
import { writePrivate, writePublic } from './key-formats';
import { TRANSPARENT_PRIVATE, TRANSPARENT_PUBLIC } from './transparent';
import { targetOf } from './target';

/** The format each object type is returned in when the client names none. */
const DEFAULT_FORMAT: Readonly<Record<ObjectType, string>> = {
  'Symmetric Key': 'Raw',
  'Secret Data': 'Opaque',
  'Private Key': 'PKCS#8',
  'Public Key': 'X.509',
};

/**
 * The key material of an object in the asked format, read through the core: a public key from
 * its record, anything secret by the core's export, which refuses a key that is not exportable
 * (FORBIDDEN: Permission Denied) or not Active (the core exports enabled keys only).
 */
const MATERIAL: Readonly<Record<ObjectType, (call: KmipCall, record: KeyRecord, format: string) => Promise<Item>>> = {
  'Symmetric Key': async (call, record, format) => {
    if (format !== 'Raw' && format !== 'Transparent Symmetric Key')
      throw new KmipFailure('Key Format Type Not Supported', `a Symmetric Key is returned as Raw or Transparent Symmetric Key, not ${format}`);
    const bytes = await secretBytes(call, record);
    return format === 'Raw' ? byteString('Key Material', bytes) : structure('Key Material', [byteString('Key', bytes)]);
  },
  'Secret Data': async (call, record, format) => {
    if (format !== 'Opaque' && format !== 'Raw') throw new KmipFailure('Key Format Type Not Supported', `Secret Data is returned as Opaque, not ${format}`);
    return byteString('Key Material', await secretBytes(call, record));
  },
  'Private Key': async (call, record, format) => {
    const { material } = await call.ops.exportKey(call.ctx, record.id);
    if (material.kind !== 'pkcs8') throw new KmipFailure('Key Format Type Not Supported', 'this private key has no PKCS#8 form');
    try {
      const transparent = TRANSPARENT_PRIVATE[format];
      if (transparent) return transparent.write(createPrivateKey({ key: material.der, format: 'der', type: 'pkcs8' }));
      return byteString('Key Material', Buffer.from(writePrivate(format, material.der)));
    } finally {
      material.der.fill(0);
    }
  },
  'Public Key': async (call, record, format) => {
    const { spki } = await call.ops.getPublicKey(call.ctx, record.id);
    const transparent = TRANSPARENT_PUBLIC[format];
    if (transparent) return transparent.write(createPublicKey({ key: spki, format: 'der', type: 'spki' }));
    return byteString('Key Material', writePublic(format, spki));
  },
};

async function secretBytes(call: KmipCall, record: KeyRecord): Promise<Buffer> {
  const { material } = await call.ops.exportKey(call.ctx, record.id);
  if (material.kind !== 'secret') throw new KmipFailure('Key Format Type Not Supported', 'this key has no raw form');
  return material.bytes;
}

const formatName = (code: number): string => {
  const name = Object.entries(KEY_FORMAT_TYPE).find(([, v]) => v === code)?.[0];
  if (name === undefined) throw new KmipFailure('Key Format Type Not Supported', `Key Format Type ${code} is unknown`);
  return name;
};

export const get: OperationHandler = async (call, payload) => {
  if (optional(payload, 'Key Wrapping Specification', 'Structure')) throw new KmipFailure('Feature Not Supported', 'key wrapping on Get is not served');
  const record = await targetOf(call, payload);
  const type = objectTypeOf(record);
  const asked = optional(payload, 'Key Format Type', 'Enumeration');
  const format = asked ? formatName(asked.value) : DEFAULT_FORMAT[type];
  const material = await MATERIAL[type](call, record, format);
  const algorithm = algorithmOf(record);
  const block = structure('Key Block', [
    enumeration('Key Format Type', KEY_FORMAT_TYPE[format]),
    structure('Key Value', [material]),
    ...(type !== 'Secret Data' && algorithm !== undefined && CRYPTOGRAPHIC_ALGORITHM[algorithm] !== undefined
      ? [enumeration('Cryptographic Algorithm', CRYPTOGRAPHIC_ALGORITHM[algorithm]), integer('Cryptographic Length', specInfo(record.spec).bits)]
      : []),
  ]);
  const object = type === 'Secret Data' ? structure('Secret Data', [enumeration('Secret Data Type', kmipBag(record).secretDataType ?? 1), block]) : structure(type, [block]);
  return {
    payload: structure('Response Payload', [enumeration('Object Type', OBJECT_TYPE[type]), textString('Unique Identifier', record.id), object]),
    uniqueIdentifier: record.id,
  };
};
