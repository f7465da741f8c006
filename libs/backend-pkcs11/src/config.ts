import { readFileSync } from 'node:fs';

/** Where the token is and how to log in. The PIN is resolved at start-up and never logged. */
export interface Pkcs11Config {
  /** Path of the PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so). */
  module: string;
  /** Token label; preferred over `slot`, because some modules (SoftHSM2) assign random slot ids. */
  tokenLabel?: string | null;
  /** Slot id, when no label is given. */
  slot?: number | null;
  /** User PIN, or a file holding it (first line). */
  pin?: string | null;
  pinFile?: string | null;
  /** Most sessions open at once; each carries one operation at a time. */
  poolSize?: number;
  /** How long health() waits for the token, ms. */
  healthTimeoutMs?: number;
}

/** The user PIN from the config (KMS_PKCS11_PIN) or its file (KMS_PKCS11_PIN_FILE). */
export function resolvePin(c: Pkcs11Config): string {
  if (c.pin) return c.pin;
  if (c.pinFile) {
    let text: string;
    try {
      text = readFileSync(c.pinFile, 'utf8');
    } catch (err) {
      throw new Error(`cannot read the PKCS#11 PIN file ${c.pinFile}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`, { cause: err });
    }
    const pin = text.split(/\r?\n/)[0].trim();
    if (!pin) throw new Error(`the PKCS#11 PIN file ${c.pinFile} is empty`);
    return pin;
  }
  throw new Error('no PKCS#11 user PIN: set KMS_PKCS11_PIN or KMS_PKCS11_PIN_FILE');
}

/** A human name for the token, for messages. */
export function tokenName(c: Pkcs11Config): string {
  return c.tokenLabel ? `'${c.tokenLabel}'` : `in slot ${c.slot ?? '(first with a token)'}`;
}
