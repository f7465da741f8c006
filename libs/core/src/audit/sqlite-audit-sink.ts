import * as sqlite3 from 'sqlite3';

/**
 * The addon's own methods, taken when this module loads (before any DataSource exists): TypeORM's
 * sqlite driver calls `sqlite3.verbose()`, which wraps them to `util.inspect()` every argument of
 * every call (7% of the gateway's CPU in the bench profile when a batch was bound value by value).
 * Loaded after a verbose() call, these are the wrapped ones: slower, equally correct.
 */
type RunFn = (this: sqlite3.Statement, params: unknown[], cb: (err: Error | null) => void) => sqlite3.Statement;
const nativeRun = Reflect.get(sqlite3.Statement.prototype, 'run') as RunFn;

/**
 * The SQLite fast path of the audit group commit: a connection of its own to the store's file and
 * one statement prepared once, `INSERT INTO audit (...) SELECT value ->> 0, ... FROM
 * json_each(?)`, that takes a whole batch as one JSON array of row arrays. A batch is one
 * statement whatever its size (SQLite commits a single statement atomically, so no BEGIN/COMMIT
 * round trips) and one hop to the sqlite thread.
 *
 * Why one JSON parameter: the addon binds parameters on the JS thread, value by value (11 per
 * row), which cost ~4% of the gateway's main-thread CPU in the bench profile; one JSON.stringify
 * and one string bind are cheaper, and SQLite parses the JSON on its own thread. `->>` yields SQL
 * types as binding did: JSON integers are INTEGER, strings TEXT, null NULL; the column affinity
 * applies as before. The one difference, a lone UTF-16 surrogate (the binding turned it into
 * U+FFFD, JSON would carry it through as invalid UTF-8), is removed before the JSON is built.
 *
 * Why its own connection: TypeORM shares one sqlite connection between all its query runners
 * without serialising their transactions, so audit statements issued on it could land inside
 * another caller's open transaction and be acknowledged before that transaction commits. Here
 * every statement is committed when its callback fires. Writers on the two connections take
 * SQLite's write lock in turn (busy timeout as the store's). `synchronous = FULL` as the store:
 * a row is on disk before its operation is answered.
 */
export class SqliteAuditSink {
  private db: Promise<{ db: sqlite3.Database; insert: sqlite3.Statement }> | null = null;
  private readonly sql: string;

  constructor(
    private readonly file: string,
    /** `INSERT INTO t (c1, ...)`, escaped by the driver. */
    into: string,
    width: number,
    private readonly busyTimeoutMs = 5000,
  ) {
    // ORDER BY key: rows get their seq in the batch's order (json_each walks it so anyway).
    this.sql = `${into} SELECT ${Array.from({ length: width }, (_, i) => `value ->> ${i}`).join(', ')} FROM json_each(?) ORDER BY key`;
  }

  /** Inserts the rows (arrays of column values, made well-formed in place) in one statement. */
  async insert(rows: unknown[][]): Promise<void> {
    const { insert } = await this.open();
    for (const row of rows) for (let i = 0; i < row.length; i++) row[i] = wellFormed(row[i]);
    const json = JSON.stringify(rows);
    try {
      await new Promise<void>((resolve, reject) => nativeRun.call(insert, [json], (err) => (err ? reject(err) : resolve())));
    } catch (err) {
      // A statement that failed (SQLITE_FULL, an I/O error) is not reset by the addon: it would
      // keep its read snapshot open, and every later insert on this connection would then be
      // refused as busy (a stale WAL snapshot), long after the disk had room again. Start afresh.
      await this.close().catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    const pending = this.db;
    this.db = null;
    if (!pending) return;
    const opened = await pending.catch(() => null);
    if (!opened) return;
    await new Promise<void>((r) => opened.insert.finalize(() => r()));
    await new Promise<void>((resolve, reject) => opened.db.close((err) => (err ? reject(err) : resolve())));
  }

  private open(): Promise<{ db: sqlite3.Database; insert: sqlite3.Statement }> {
    this.db ??= new Promise<{ db: sqlite3.Database; insert: sqlite3.Statement }>((resolve, reject) => {
      const db = new sqlite3.Database(this.file, sqlite3.OPEN_READWRITE, (err) => {
        if (err) return reject(err);
        db.configure('busyTimeout', this.busyTimeoutMs);
        const fail = (err: Error) => db.close(() => reject(err));
        db.exec('PRAGMA synchronous = FULL', (err) => {
          if (err) return fail(err);
          const insert = db.prepare(this.sql, (err) => (err ? fail(err) : resolve({ db, insert })));
        });
      });
    }).catch((err) => {
      this.db = null;
      throw err;
    });
    return this.db;
  }
}

/**
 * A column value as the JSON batch carries it: strings made well-formed as the addon's binding
 * made them (a lone surrogate becomes U+FFFD), everything else unchanged.
 */
function wellFormed(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const s = v as string & WellFormed;
  return s.isWellFormed() ? v : s.toWellFormed();
}

/** ES2024 String methods (node 20 has them; the project's lib is ES2023). */
interface WellFormed {
  isWellFormed(): boolean;
  toWellFormed(): string;
}
