export type { HashAlg, KeyOperations, OpContext, SignParams } from '@kms/core';
export type { Kernel } from '../../apps/gateway/src/kernel';
