import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError, type GatewayConfig } from './config';

/**
 * The master key seals every key, credential and secret at rest. It comes from KMS_MASTER_KEY, or
 * from a file made on first start with mode 0600 (base64 text, so operators can back it up with
 * ordinary tools). Losing it loses every soft key: the start-up log says where it is.
 */
export function loadMasterKey(config: GatewayConfig, log: Logger): Buffer {
  if (config.masterKey) return config.masterKey;
  const file = config.masterKeyFile;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError(`KMS_MASTER_KEY_FILE: cannot read ${file}`);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const key = randomBytes(32);
    // 'wx' fails if another process created it meanwhile; then read what it wrote.
    try {
      writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      log.warn({ file }, 'created a new master key file: back it up, every software key depends on it');
      return key;
    } catch {
      text = readFileSync(file, 'utf8');
    }
  }
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw new ConfigError(`KMS_MASTER_KEY_FILE: ${file} does not hold a 32-byte base64 key`);
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077) log.warn({ file, mode: mode.toString(8) }, 'the master key file is readable by other users; chmod 600 it');
  return key;
}
