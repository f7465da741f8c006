import * as pkcs11js from 'pkcs11js';
import { ckr, isDeadSession } from './errors';

type Handle = pkcs11js.Handle;

const CKS_RW_PUBLIC_SESSION = 2;
const CKS_RO_PUBLIC_SESSION = 0;

interface Waiter {
  resolve: (s: Handle) => void;
  reject: (e: unknown) => void;
}

/**
 * R/W sessions on one token, checked out one operation at a time: a PKCS#11 session holds a single
 * active operation, so two requests never share one. The user logs in once per token (login is
 * per application, not per session); a session that dies (closed under us, token removed, login
 * lost) is discarded and replaced, logging in again when the token forgot the login. At most
 * `size` sessions exist; further callers wait in a queue.
 */
export class SessionPool {
  private readonly idle: Handle[] = [];
  private readonly waiters: Waiter[] = [];
  private count = 0;
  private closed = false;

  constructor(
    private readonly p11: pkcs11js.PKCS11,
    private readonly slot: Handle,
    private readonly pin: string,
    private readonly size: number,
    private readonly tokenName: string,
  ) {}

  /** Opens the first session and logs in; a wrong PIN fails here, at start-up. */
  async start(): Promise<void> {
    const s = this.openSession();
    this.count++;
    this.idle.push(s);
  }

  /**
   * Runs `fn` on a session of its own. A dead session is replaced and `fn` retried once, so a
   * token that lost its sessions (or its login) recovers on the next request.
   */
  async use<T>(fn: (session: Handle) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const s = await this.acquire();
      let result: T;
      try {
        result = await fn(s);
      } catch (err) {
        if (isDeadSession(err)) {
          this.discard(s);
          if (attempt === 0 && !this.closed) continue;
        } else {
          this.release(s);
        }
        throw err;
      }
      this.release(s);
      return result;
    }
  }

  /** Logs out and closes every session. Waiters are refused. */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new Error('the PKCS#11 session pool is closed'));
    const any = this.idle[0];
    if (any) {
      try {
        this.p11.C_Logout(any);
      } catch {
        // already logged out, or the token is gone
      }
    }
    for (const s of this.idle.splice(0)) this.closeQuietly(s);
    this.count = 0;
  }

  private acquire(): Promise<Handle> {
    if (this.closed) return Promise.reject(new Error('the PKCS#11 session pool is closed'));
    const s = this.idle.pop();
    if (s) return Promise.resolve(s);
    if (this.count < this.size) {
      this.count++;
      try {
        return Promise.resolve(this.openSession());
      } catch (err) {
        this.count--;
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private release(s: Handle): void {
    if (this.closed) {
      this.closeQuietly(s);
      return;
    }
    const w = this.waiters.shift();
    if (w) w.resolve(s);
    else this.idle.push(s);
  }

  /** Drops a dead session; the first waiter (if any) gets a fresh one in its place. */
  private discard(s: Handle): void {
    this.closeQuietly(s);
    this.count--;
    // Its siblings are probably dead too (all sessions closed, token removed): check them now
    // rather than failing one request each.
    for (const other of this.idle.splice(0)) {
      if (this.alive(other)) this.idle.push(other);
      else {
        this.closeQuietly(other);
        this.count--;
      }
    }
    const w = this.waiters.shift();
    if (!w) return;
    this.count++;
    try {
      w.resolve(this.openSession());
    } catch (err) {
      this.count--;
      w.reject(err);
    }
  }

  private alive(s: Handle): boolean {
    try {
      const state = this.p11.C_GetSessionInfo(s).state;
      return state !== CKS_RW_PUBLIC_SESSION && state !== CKS_RO_PUBLIC_SESSION;
    } catch {
      return false;
    }
  }

  /** A new R/W session, logged in: the login survives as long as any session of ours is open. */
  private openSession(): Handle {
    const s = this.p11.C_OpenSession(this.slot, pkcs11js.CKF_RW_SESSION | pkcs11js.CKF_SERIAL_SESSION);
    try {
      const state = this.p11.C_GetSessionInfo(s).state;
      if (state === CKS_RW_PUBLIC_SESSION || state === CKS_RO_PUBLIC_SESSION) {
        try {
          this.p11.C_Login(s, pkcs11js.CKU_USER, this.pin);
        } catch (err) {
          if (ckr(err) !== 'CKR_USER_ALREADY_LOGGED_IN') throw new Error(`PKCS#11 login failed on token ${this.tokenName}: ${ckr(err) ?? (err as Error).message}`, { cause: err });
        }
      }
    } catch (err) {
      this.closeQuietly(s);
      throw err;
    }
    return s;
  }

  private closeQuietly(s: Handle): void {
    try {
      this.p11.C_CloseSession(s);
    } catch {
      // already gone
    }
  }
}
