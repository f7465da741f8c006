import type { CryptoBackend } from '@kms/core';

/** A backend's health without letting its failure escape: a probe that throws is simply not ok. */
export async function healthOf(backend: CryptoBackend): Promise<{ ok: boolean; detail?: string }> {
  try {
    return await backend.health();
  } catch {
    return { ok: false, detail: 'health check failed' };
  }
}
