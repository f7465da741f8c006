import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Read once at start-up from the package manifest (two levels above both src/ and dist/). */
function packageVersion(): string {
  for (const rel of ['../../..', '../../../..']) {
    try {
      return (JSON.parse(readFileSync(join(__dirname, rel, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0';
}

export const VERSION = {
  name: 'kms-gateway',
  version: packageVersion(),
  node: process.version,
  dialects: ['ehsm', 'jose', 'encedo', 'aws', 'vault'],
};
