import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

/** What the token needs to give the master key (the PKCS#11 backend's masterSecret). */
export interface MasterKeyToken {
  masterSecret(label: string, wrapped: Buffer | null): Promise<{ secret: Buffer; wrapped: Buffer; created: boolean }>;
}

/** Where the wrapped master key lives when it comes from the token (KMS_MASTER_KEY_SOURCE=pkcs11). */
export function wrappedMasterKeyFile(config: GatewayConfig): string {
  return join(config.dataDir, 'master.key.wrapped.json');
}

/**
 * KMS_MASTER_KEY_SOURCE=pkcs11: the master key is a random 32-byte secret made on the token and
 * stored only wrapped (RFC 3394) under a non-extractable AES-256 token key labelled
 * KMS_MASTER_KEY_LABEL, in `<dataDir>/master.key.wrapped.json`; every start unwraps it through the
 * token. No master key exists in clear outside process memory. A master key given as a value or a
 * master key file in the data directory is refused here: the software keys would be sealed under
 * two different keys.
 */
export async function loadMasterKeyFromToken(config: GatewayConfig, token: MasterKeyToken, log: Logger): Promise<Buffer> {
  if (config.masterKey) throw new ConfigError('KMS_MASTER_KEY: a master key value cannot be combined with KMS_MASTER_KEY_SOURCE=pkcs11');
  const file = wrappedMasterKeyFile(config);
  if (existsSync(config.masterKeyFile)) {
    throw new ConfigError(
      `KMS_MASTER_KEY_SOURCE: a master key file exists at ${config.masterKeyFile}; software keys are sealed under it, so the gateway will not replace it with a key from the token (keep source 'file' for this data directory)`,
    );
  }
  let wrapped: Buffer | null = null;
  if (existsSync(file)) {
    try {
      const doc = JSON.parse(readFileSync(file, 'utf8')) as { v?: number; label?: string; wrapped?: string };
      if (doc.v !== 1 || typeof doc.wrapped !== 'string') throw new Error('bad format');
      if (doc.label !== config.masterKeyLabel)
        throw new ConfigError(`KMS_MASTER_KEY_LABEL: ${file} was wrapped under the token key '${doc.label}', not '${config.masterKeyLabel}'`);
      wrapped = Buffer.from(doc.wrapped, 'base64');
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(`KMS_MASTER_KEY_SOURCE: ${file} is not a wrapped master key file`);
    }
  }
  const got = await token.masterSecret(config.masterKeyLabel, wrapped);
  if (got.created) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const doc = { v: 1, label: config.masterKeyLabel, mechanism: 'CKM_AES_KEY_WRAP', wrapped: got.wrapped.toString('base64') };
    writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    log.warn(
      { file, label: config.masterKeyLabel },
      'created a new master key on the PKCS#11 token: back up the token key and the wrapped master key file, every software key depends on both',
    );
  }
  return got.secret;
}
