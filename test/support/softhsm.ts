import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInThisContext } from 'node:vm';

/** Where Debian puts the SoftHSM2 module. */
const MODULES = ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so', '/usr/local/lib/softhsm/libsofthsm2.so'];

export interface SoftHsmToken {
  module: string;
  label: string;
  pin: string;
  dir: string;
  /** Settings for a kernel that uses this token as its `pkcs11` backend. */
  env: Record<string, string>;
  cleanup(): void;
}

/**
 * A private SoftHSM2 token in a temp directory: its own softhsm2.conf (file object store), made
 * the process's SOFTHSM2_CONF before the module is loaded. Fails (never skips) without softhsm2.
 * One fixture per test file: the module reads its configuration once per C_Initialize. A login
 * holds for every session of the process, so a wrong-PIN test needs a token nobody logged in to:
 * name it in `otherLabels`.
 */
export function createSoftHsmToken(label = 'kms-test', otherLabels: string[] = []): SoftHsmToken {
  const module = MODULES.find((m) => existsSync(m));
  try {
    execFileSync('softhsm2-util', ['--version'], { stdio: 'pipe' });
  } catch {
    throw new Error('softhsm2-util not found: install SoftHSM2 (apt-get install softhsm2 opensc) to run the PKCS#11 tests');
  }
  if (!module) throw new Error(`libsofthsm2.so not found in ${MODULES.join(', ')}: install softhsm2`);
  const dir = mkdtempSync(join(tmpdir(), 'kms-softhsm-'));
  mkdirSync(join(dir, 'tokens'));
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  // The module reads SOFTHSM2_CONF with getenv(): jest hands tests a copy of process.env, so set
  // it on the real process object too (reached through the outer context).
  process.env.SOFTHSM2_CONF = conf;
  (runInThisContext('process') as NodeJS.Process).env.SOFTHSM2_CONF = conf;
  const pin = '1234-test';
  // Further tokens (same PIN) must exist before the module is loaded: SoftHSM2 reads its slots at C_Initialize.
  for (const l of [label, ...otherLabels]) {
    execFileSync('softhsm2-util', ['--init-token', '--free', '--label', l, '--pin', pin, '--so-pin', '5678-test'], { stdio: 'pipe', env: { ...process.env, SOFTHSM2_CONF: conf } });
  }
  return {
    module,
    label,
    pin,
    dir,
    env: { KMS_PKCS11_MODULE: module, KMS_PKCS11_TOKEN_LABEL: label, KMS_PKCS11_PIN: pin },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
