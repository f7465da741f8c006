/**
 * Polling for a state another process reaches in its own time (a cache expiring, a file watcher,
 * a probe recovering): tests wait for it, bounded, rather than sleep a guessed interval.
 */

/** The probe's value once `ok` holds, or its last value when `ms` have passed. */
export async function settled<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 5000, every = 100): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, every));
  }
}

/** Resolves once `check` answers true; throws naming `what` after `ms`. */
export async function eventually(check: () => Promise<boolean>, what: string, ms = 10000): Promise<void> {
  if (!(await settled(check, (v) => v, ms))) throw new Error(`timed out waiting for ${what}`);
}
