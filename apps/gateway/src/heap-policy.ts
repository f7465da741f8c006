import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past the live heap before the next full collection:
 * the limit after a full GC is `live x (1 + HEAP_GROWING_PERCENT / 100)` plus the young generation.
 *
 * V8 picks that factor itself, up to 4 when the heap may grow to 2 GB or more, which is the case
 * on any machine with more than about 16 GB of memory. Under load a gateway process promotes the
 * objects of the requests in flight at every scavenge (a few MB/s of short-lived garbage), so the
 * old generation climbs to about 4 x its live size before it is collected, and stays committed:
 * in the bench a worker with 30 MB live held 100-120 MB of old space, and a single process
 * 450 MB for 125 MB live. Factor 2 is the top of what V8 itself uses for heaps limited
 * below 2 GB; it halves that headroom for a full collection every few seconds under load, each
 * mostly concurrent and a few ms of pause at these heap sizes.
 */
export const HEAP_GROWING_PERCENT = 100;

/**
 * Applies the gateway's heap growth policy to this process (call it first thing in every
 * process: single, primary and workers). V8 reads the flag at every full GC, so setting it at
 * run time takes effect from the next one. An operator who starts node with their own
 * `--heap-growing-percent` keeps it.
 */
export function applyHeapPolicy(execArgv: readonly string[] = process.execArgv, set: (flags: string) => void = setFlagsFromString): boolean {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent(=|$)/.test(a))) return false;
  set(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
