import { createHash } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import type { Pkcs11Config } from './config';
import type { KeyIdentity } from './key-families';

type Handle = pkcs11js.Handle;

/** Objects matching `template` (at most 16: a key has two, a label should have one). */
export function findObjects(p11: pkcs11js.PKCS11, s: Handle, template: pkcs11js.Template): Handle[] {
  p11.C_FindObjectsInit(s, template);
  try {
    return p11.C_FindObjects(s, 16);
  } finally {
    p11.C_FindObjectsFinal(s);
  }
}

/** Destroys an object on the way out of an operation; one already gone (with its session) is fine. */
export function destroyObjectIgnoringErrors(p11: pkcs11js.PKCS11, s: Handle, h: Handle): void {
  try {
    p11.C_DestroyObject(s, h);
  } catch {
    // gone with its session
  }
}

/** CKA_VALUE of a readable object (session scratch objects only: token keys are sensitive). */
export function readValue(p11: pkcs11js.PKCS11, s: Handle, h: Handle): Buffer {
  const [value] = p11.C_GetAttributeValue(s, h, [{ type: pkcs11js.CKA_VALUE }]);
  return Buffer.from(value?.value ?? Buffer.alloc(0));
}

/** A key's CKA_ID: its UUID's 16 bytes (any other id is hashed to 16), and its label. */
export function identity(id: string): KeyIdentity {
  const hex = id.replace(/-/g, '');
  const ckaId = /^[0-9a-f]{32}$/i.test(hex) ? Buffer.from(hex, 'hex') : createHash('sha256').update(id).digest().subarray(0, 16);
  return { ckaId, label: `kms:${id}` };
}

/**
 * An empty Buffer may carry a NULL data pointer, which modules refuse (SoftHSM2: CKR_ARGUMENTS_BAD
 * for an empty GCM plaintext or HMAC message); a zero-length view of a real allocation does not.
 */
export function nonNull(b: Buffer): Buffer {
  return b.length ? b : Buffer.alloc(1).subarray(0, 0);
}

function handleNumber(h: Handle): number {
  return Number(h.length === 8 ? h.readBigUInt64LE() : BigInt(h.readUInt32LE()));
}

/** The slot of the configured token: by label (preferred), else by slot id, else the first token. */
export function findSlot(p11: pkcs11js.PKCS11, c: Pkcs11Config): Handle {
  const slots = p11.C_GetSlotList(true);
  const labels = slots.map((s) => {
    try {
      return p11.C_GetTokenInfo(s).label.trim();
    } catch {
      return '';
    }
  });
  if (c.tokenLabel) {
    const slot = slots[labels.indexOf(c.tokenLabel)];
    if (!slot) throw new Error(`no PKCS#11 token labelled '${c.tokenLabel}' in ${c.module} (tokens: ${labels.map((l) => `'${l}'`).join(', ') || 'none'})`);
    return slot;
  }
  if (c.slot !== undefined && c.slot !== null) {
    const s = slots.find((h) => handleNumber(h) === c.slot);
    if (!s) throw new Error(`no PKCS#11 token in slot ${c.slot} of ${c.module} (slots with tokens: ${slots.map(handleNumber).join(', ') || 'none'})`);
    return s;
  }
  if (!slots[0]) throw new Error(`no PKCS#11 token present in ${c.module}`);
  return slots[0];
}
