import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../apps/gateway/src/config';
import { createKernel, type Kernel } from '../../apps/gateway/src/kernel';

/** A real kernel on a fresh SQLite file in a temp directory (logs silenced). */
export async function tempKernel(env: Record<string, string> = {}): Promise<{ kernel: Kernel; dir: string; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'kms-test-'));
  const config = loadConfig({ KMS_DATA_DIR: dir, KMS_LOG_LEVEL: 'silent', ...env });
  const kernel = await createKernel(config);
  return {
    kernel,
    dir,
    cleanup: async () => {
      await kernel.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
