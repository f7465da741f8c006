import type { OperationHandler } from '../operation';
import { activate, destroy, revoke } from './lifecycle';
import { addAttribute, deleteAttribute, modifyAttribute } from './attribute-edit';
import { create } from './create';
import { createKeyPair } from './create-key-pair';
import { deriveKey } from './derive-key';
import { discoverVersions } from './discover-versions';
import { get } from './get';
import { getAttributeList, getAttributes } from './get-attributes';
import { locate } from './locate';
import { query } from './query';
import { register } from './register';
import { rekey } from './rekey';
import { check, getUsageAllocation } from './usage';

/** Discover Versions, Query and the managed-object operations (operations/objects/*). */
export const OBJECT_OPERATIONS: Readonly<Record<string, OperationHandler>> = {
  'Discover Versions': discoverVersions,
  Query: query,
  Create: create,
  'Create Key Pair': createKeyPair,
  Register: register,
  Get: get,
  'Get Attributes': getAttributes,
  'Get Attribute List': getAttributeList,
  'Add Attribute': addAttribute,
  'Modify Attribute': modifyAttribute,
  'Delete Attribute': deleteAttribute,
  Locate: locate,
  Activate: activate,
  Revoke: revoke,
  Destroy: destroy,
  Check: check,
  'Get Usage Allocation': getUsageAllocation,
  'Re-key': rekey,
  'Derive Key': deriveKey,
};
