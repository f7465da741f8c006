/**
 * Set by the primary of a multi-process gateway on the one worker it starts first and alone:
 * that worker applies the seed file, before any other worker opens the store, and no replacement
 * worker applies it again. (The primary itself opens no store; see cluster.ts.)
 */
export const SEED_APPLIER_ENV = 'KMS_SEED_APPLIER';
