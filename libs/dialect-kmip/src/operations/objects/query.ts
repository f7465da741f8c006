import { OBJECT_TYPE, OPERATION, QUERY_FUNCTION, enumeration, structure, textString, type Item } from '../../ttlv';
import type { OperationHandler } from '../operation';
import { children } from '../payload';
import { OPERATIONS } from '../table';

/** The object types this server makes, holds and returns. */
const OBJECT_TYPES = ['Symmetric Key', 'Public Key', 'Private Key', 'Secret Data'] as const;

export const VENDOR = 'kms-gateway';

/** What each Query Function adds to the answer; functions not listed add nothing (the spec allows an empty answer). */
const ANSWERS: Readonly<Record<string, () => Item[]>> = {
  // Read at call time: the table includes this very module.
  'Query Operations': () => Object.keys(OPERATIONS).map((name) => enumeration('Operation', OPERATION[name])),
  'Query Objects': () => OBJECT_TYPES.map((t) => enumeration('Object Type', OBJECT_TYPE[t])),
  'Query Server Information': () => [textString('Vendor Identification', VENDOR), structure('Server Information', [])],
};

export const query: OperationHandler = async (_call, payload) => {
  const functions = children(payload, 'Query Function').map((f) => (f.type === 'Enumeration' ? f.value : -1));
  const names = Object.entries(QUERY_FUNCTION)
    .filter(([, v]) => functions.includes(v))
    .map(([n]) => n);
  return {
    payload: structure(
      'Response Payload',
      names.flatMap((n) => ANSWERS[n]?.() ?? []),
    ),
  };
};
