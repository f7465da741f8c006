import type { OperationHandler } from '../operation';

/** Discover Versions, Query and the managed-object operations (operations/objects/*). */
export const OBJECT_OPERATIONS: Readonly<Record<string, OperationHandler>> = {};
