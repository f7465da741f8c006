import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../apps/gateway/src/config';
import { createKernel, type Kernel } from '../../apps/gateway/src/kernel';
import { dbEnv, dropDatabaseFor } from './test-db';

/** A real kernel on a fresh SQLite file in a temp directory, or a fresh PostgreSQL database in the pg run (logs silenced). */
export async function tempKernel(env: Record<string, string> = {}): Promise<{ kernel: Kernel; dir: string; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'kms-test-'));
  const config = loadConfig({ KMS_DATA_DIR: dir, KMS_LOG_LEVEL: 'silent', ...dbEnv(dir), ...env });
  const kernel = await createKernel(config);
  return {
    kernel,
    dir,
    cleanup: async () => {
      await kernel.close();
      rmSync(dir, { recursive: true, force: true });
      dropDatabaseFor(dir);
    },
  };
}
