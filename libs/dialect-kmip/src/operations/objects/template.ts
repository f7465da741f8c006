import { RECOMMENDED_CURVE, dateOf, encode, type Item } from '../../ttlv';
import { KmipFailure } from '../operation';
import { optional } from '../payload';
import { algorithmName, objectTypeName } from './algorithm';
import { isCustom, nameText, valueOf, type Attr } from './attributes';

/** What the attributes of a Create, Create Key Pair or Register ask for. */
export interface Template {
  algorithm?: string;
  length?: number;
  mask?: number;
  names: string[];
  activationDate?: number;
  extractable?: boolean;
  objectType?: string;
  curve?: string;
  /** Custom attributes, each value as encoded TTLV in base64. */
  custom: Record<string, string[]>;
}

type Reader = (t: Template, a: Attr) => void;

/** The attributes a client may set when it makes an object, by one table; any other is refused, naming it. */
const READERS: Readonly<Record<string, Reader>> = {
  'Cryptographic Algorithm': (t, a) => void (t.algorithm = algorithmName(valueOf(a, 'Enumeration').value)),
  'Cryptographic Length': (t, a) => void (t.length = valueOf(a, 'Integer').value),
  'Cryptographic Usage Mask': (t, a) => void (t.mask = valueOf(a, 'Integer').value),
  Name: (t, a) => void t.names.push(nameText(a)),
  'Activation Date': (t, a) => void (t.activationDate = dateOf(valueOf(a, 'DateTime').value).getTime()),
  Extractable: (t, a) => void (t.extractable = valueOf(a, 'Boolean').value),
  'Object Type': (t, a) => void (t.objectType = objectTypeName(valueOf(a, 'Enumeration').value)),
  'Cryptographic Domain Parameters': (t, a) => {
    const curve = optional(valueOf(a, 'Structure'), 'Recommended Curve', 'Enumeration');
    if (curve) t.curve = Object.entries(RECOMMENDED_CURVE).find(([, v]) => v === curve.value)?.[0] ?? `curve ${curve.value}`;
  },
  // Accepted and not kept: operation policies are the tenant's, parameters are given per operation.
  'Operation Policy Name': () => {},
  'Cryptographic Parameters': () => {},
};

export function readTemplate(attrs: Attr[]): Template {
  const t: Template = { names: [], custom: {} };
  for (const a of attrs) {
    if (isCustom(a.name)) {
      (t.custom[a.name] ??= []).push(encodeValue(a.value));
      continue;
    }
    const read = READERS[a.name];
    if (!read) throw new KmipFailure('Invalid Field', `attribute ${a.name} cannot be set here (docs/kmip.md lists the attributes served)`);
    read(t, a);
  }
  return t;
}

export const encodeValue = (value: Item): string => encode(value).toString('base64');

/** Merges the attributes of a pair's common template under each half's own (the half's own win, as the spec says). */
export function mergeTemplates(common: Template, own: Template): Template {
  return {
    ...common,
    ...Object.fromEntries(Object.entries(own).filter(([, v]) => v !== undefined)),
    names: own.names,
    custom: { ...common.custom, ...own.custom },
  };
}
