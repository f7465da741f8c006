/**
 * Test-only helper that drives the system `openssl` binary for interoperability checks.
 * Interop is part of what the primitives promise, so a missing binary fails loudly instead of
 * silently skipping.
 * Named *.test.ts so tsconfig.build.json leaves it out of dist; jest only runs *.spec.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function requireOpenssl(): string {
  try {
    return execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      'The interop tests need the system `openssl` (3.x) binary on PATH, and it was not found. ' +
        'Install it (Debian: apt-get install -y openssl); these tests must not be skipped.',
    );
  }
}

/** A scratch directory with helpers to write inputs, run openssl, and read outputs. */
export class OpensslWorkdir {
  readonly dir = mkdtempSync(join(tmpdir(), 'kms-openssl-'));

  path(name: string): string {
    return join(this.dir, name);
  }

  write(name: string, data: Uint8Array | string): string {
    const p = this.path(name);
    writeFileSync(p, data);
    return p;
  }

  read(name: string): Buffer {
    return readFileSync(this.path(name));
  }

  /** Runs openssl; throws with its stderr when the exit status is non-zero. */
  run(args: string[]): Buffer {
    try {
      return execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const e = err as { status?: number; stderr?: Buffer; stdout?: Buffer };
      const error = new Error(`openssl ${args.join(' ')} failed (status ${e.status}): ${e.stderr?.toString() ?? ''}`) as Error & { status?: number; stdout?: Buffer };
      error.status = e.status;
      error.stdout = e.stdout;
      throw error;
    }
  }

  /** Exit status of an openssl run, for commands whose failure is the expected outcome. */
  status(args: string[]): number {
    try {
      this.run(args);
      return 0;
    } catch (err) {
      return (err as { status?: number }).status ?? -1;
    }
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export function fromPem(pem: string): Buffer {
  const body = pem.replace(/-----(BEGIN|END) [^-]+-----/g, '').replace(/\s+/g, '');
  return Buffer.from(body, 'base64');
}
