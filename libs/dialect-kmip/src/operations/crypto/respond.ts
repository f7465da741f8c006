import { structure, textString, type Item } from '../../ttlv';
import type { KmipResult } from '../operation';

/** A Response Payload that names the key used first, as every crypto operation's response does. */
export function respond(id: string, items: Item[]): KmipResult {
  return { payload: structure('Response Payload', [textString('Unique Identifier', id), ...items]), uniqueIdentifier: id };
}
