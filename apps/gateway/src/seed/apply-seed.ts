import { readFileSync } from 'node:fs';
import { KmsError } from '@kms/core';
import type { Kernel } from '../kernel';
import { SeedError } from './seed-error';
import { readSeedFile } from './seed-file';
import { planSeed } from './seed-plan';

export interface SeedSummary {
  file: string;
  created: { tenant: number; credential: number; key: number; alias: number };
  unchanged: number;
}

/**
 * Applies a seed file (KMS_SEED at start-up, `seed apply` in the CLI): reads and checks the whole
 * file, compares it with the store, and only when nothing conflicts writes what is missing, in
 * file order (tenant, its credentials, its keys and their aliases). A second run finds everything
 * in place and writes nothing. A write that fails midway (store gone, disk full, token refusing a
 * key) leaves the earlier writes in place and stops: each is a complete entry, and the next run
 * sees them as unchanged and carries on with the rest.
 */
export async function applySeedFile(k: Kernel, file: string): Promise<SeedSummary> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SeedError(file, [{ path: '', message: `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` }]);
  }
  const seed = readSeedFile(file, text);
  const plan = await planSeed(k, seed);
  if (plan.conflicts.length) throw new SeedError(file, plan.conflicts);
  const summary: SeedSummary = { file, created: { tenant: 0, credential: 0, key: 0, alias: 0 }, unchanged: plan.unchanged };
  for (const [i, step] of plan.steps.entries()) {
    try {
      await step.run();
    } catch (err) {
      // The core's messages name fields and states, never values; other errors are reported by name only.
      const why = err instanceof KmsError ? err.message : (err as Error).name;
      throw new SeedError(file, [{ path: step.path, message: `could not be written (${why}); ${i} of ${plan.steps.length} writes were made, apply the file again to finish` }]);
    }
    summary.created[step.what]++;
  }
  return summary;
}
