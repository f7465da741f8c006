import * as pkcs11js from 'pkcs11js';
import type { MinimalConfig } from './config';

/**
 * ES256 on a PKCS#11 token by hand, as the gateway calls it: R/W sessions logged in once, at most
 * `sessions` of them, each holding one operation at a time (callers queue for one); a signature
 * is `C_SignInit` + `C_SignAsync` with CKM_ECDSA over the SHA-256 digest the caller computed, on
 * libuv's pool. The key is the gateway's own object on the token (same CKA_ID), so both sign
 * with the same key.
 */
export class Pkcs11Signer {
  private readonly p11 = new pkcs11js.PKCS11();
  private readonly idle: pkcs11js.Handle[] = [];
  private readonly waiting: ((s: pkcs11js.Handle) => void)[] = [];
  private readonly slot: pkcs11js.Handle;
  private open = 0;

  constructor(private readonly cfg: NonNullable<MinimalConfig['pkcs11']>) {
    this.p11.load(cfg.module);
    this.p11.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
    const slot = this.p11.C_GetSlotList(true).find((s) => this.p11.C_GetTokenInfo(s).label.trim() === cfg.label);
    if (!slot) throw new Error(`no token labelled ${cfg.label}`);
    this.slot = slot;
    const first = this.p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    this.p11.C_Login(first, pkcs11js.CKU_USER, cfg.pin);
    this.idle.push(first);
    this.open = 1;
  }

  /** The private key whose CKA_ID is the key id's 16 bytes (the gateway's naming). */
  privateKeyOf(kid: string): pkcs11js.Handle {
    const s = this.idle[0];
    this.p11.C_FindObjectsInit(s, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_ID, value: Buffer.from(kid.replace(/-/g, ''), 'hex') },
    ]);
    const [handle] = this.p11.C_FindObjects(s, 1);
    this.p11.C_FindObjectsFinal(s);
    if (!handle) throw new Error(`no private key with the CKA_ID of ${kid} on the token`);
    return handle;
  }

  async sign(key: pkcs11js.Handle, digest: Buffer): Promise<Buffer> {
    const s = await this.acquire();
    try {
      this.p11.C_SignInit(s, { mechanism: pkcs11js.CKM_ECDSA }, key);
      return Buffer.from(await this.p11.C_SignAsync(s, digest, Buffer.alloc(64)));
    } finally {
      this.release(s);
    }
  }

  close(): void {
    try {
      this.p11.C_Finalize();
    } catch {
      // already finalised
    }
  }

  private acquire(): Promise<pkcs11js.Handle> | pkcs11js.Handle {
    const s = this.idle.pop();
    if (s) return s;
    if (this.open < this.cfg.sessions) {
      this.open++;
      return this.p11.C_OpenSession(this.slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(s: pkcs11js.Handle): void {
    const next = this.waiting.shift();
    if (next) next(s);
    else this.idle.push(s);
  }
}
