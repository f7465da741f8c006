import { randomUUID } from 'node:crypto';
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DataSource } from 'typeorm';
import { OnceStore } from '@kms/core';

export interface Check {
  ok: boolean;
  detail?: string;
}

/** Scope of the probe rows in `once_tokens`: each lives for one probe, and the sweep takes any left behind. */
const PROBE_SCOPE = 'store-probe';
/** Answers within this long share one probe, so that a flood of readiness requests is not a flood of writes. */
const PROBE_REUSE_MS = 1000;

/**
 * Can the store commit? A `SELECT 1` says the database answers, not that it takes writes: with the
 * SQLite disk full, reads go on while every write fails. So readiness also commits a write (a
 * short-lived row in `once_tokens`, inserted then deleted) and, on SQLite, wants a margin of free
 * space where the database lives: in WAL mode a small commit may still fit in the log's existing
 * pages while a larger one, or the checkpoint into the database file, cannot grow it.
 */
export class StoreHealth {
  private readonly probes: OnceStore;
  private readonly sqliteDir: string | null;
  private last: { at: number; result: Promise<Check> } | null = null;

  constructor(
    private readonly ds: DataSource,
    private readonly minFreeBytes: number,
  ) {
    this.probes = new OnceStore(ds);
    const sqlite = ds.options.type === 'sqlite' ? String(ds.options.database) : null;
    this.sqliteDir = sqlite && sqlite !== ':memory:' ? dirname(sqlite) : null;
  }

  check(now = Date.now()): Promise<Check> {
    if (this.last && now - this.last.at < PROBE_REUSE_MS) return this.last.result;
    const result = this.probe();
    this.last = { at: now, result };
    return result;
  }

  private async probe(): Promise<Check> {
    try {
      await this.ds.query('SELECT 1');
    } catch {
      return { ok: false, detail: 'the database does not answer' };
    }
    const space = await this.freeSpace();
    if (!space.ok) return space;
    const token = randomUUID();
    try {
      await this.probes.claim(PROBE_SCOPE, token, Date.now() + 60_000);
      await this.probes.take(PROBE_SCOPE, token);
    } catch {
      return { ok: false, detail: 'the database cannot commit a write' };
    }
    return { ok: true };
  }

  private async freeSpace(): Promise<Check> {
    if (!this.sqliteDir) return { ok: true };
    try {
      const s = await statfs(this.sqliteDir);
      const free = s.bavail * s.bsize;
      if (free < this.minFreeBytes) {
        return { ok: false, detail: `${mib(free)} MiB free where the database lives, below the ${mib(this.minFreeBytes)} MiB that writes need (KMS_STORE_MIN_FREE_MB)` };
      }
      return { ok: true };
    } catch {
      return { ok: false, detail: 'the database directory cannot be examined' };
    }
  }
}

const mib = (bytes: number) => Math.floor((bytes / 1048576) * 10) / 10;
