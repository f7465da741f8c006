import type { KeyRecord } from '@kms/core';
import { STATE } from '../../ttlv';
import { kmipBag } from './bag';

export type KmipState = 'Pre-Active' | 'Active' | 'Deactivated' | 'Compromised' | 'Destroyed';

/**
 * THE mapping of core states to KMIP states (docs/kmip.md "States"). The core's `disabled` covers
 * three KMIP states; which one is kept in the key's KMIP attributes, and a key disabled through
 * another dialect reads as Deactivated.
 */
export function stateOf(record: KeyRecord): KmipState {
  switch (record.state) {
    case 'enabled':
      return 'Active';
    case 'disabled':
      return kmipBag(record).state ?? 'Deactivated';
    case 'pending_import':
      return 'Pre-Active';
    case 'pending_deletion':
      return 'Deactivated';
    case 'destroyed':
      return 'Destroyed';
  }
}

export const stateCode = (s: KmipState): number => STATE[s];
