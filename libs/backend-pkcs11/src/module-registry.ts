import * as pkcs11js from 'pkcs11js';
import { ckr } from './errors';

/**
 * A PKCS#11 module is process-wide state: loading the same library twice gives the same
 * instance, and one C_Finalize ends it for everyone. Backends on the same module share one
 * initialised instance, finalised when the last of them closes.
 */
const loaded = new Map<string, { p11: pkcs11js.PKCS11; users: number }>();

export function acquireModule(path: string): pkcs11js.PKCS11 {
  const have = loaded.get(path);
  if (have) {
    have.users++;
    return have.p11;
  }
  const p11 = new pkcs11js.PKCS11();
  try {
    p11.load(path);
  } catch (err) {
    throw new Error(`cannot load PKCS#11 module ${path}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  try {
    // OS locking: pkcs11js runs the *Async calls on libuv worker threads.
    p11.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  } catch (err) {
    if (ckr(err) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') {
      throw new Error(`cannot initialise PKCS#11 module ${path}: ${ckr(err) ?? (err as Error).message}`, { cause: err });
    }
  }
  loaded.set(path, { p11, users: 1 });
  return p11;
}

export function releaseModule(path: string): void {
  const have = loaded.get(path);
  if (!have || --have.users > 0) return;
  loaded.delete(path);
  try {
    have.p11.C_Finalize();
  } catch {
    // already finalised
  }
  try {
    have.p11.close();
  } catch {
    // already unloaded
  }
}
