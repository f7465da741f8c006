import * as sqlite3 from 'sqlite3';

/**
 * The addon's own methods, taken when this module loads (before any DataSource exists): TypeORM's
 * sqlite driver calls `sqlite3.verbose()`, which wraps them to `util.inspect()` every argument of
 * every call, a batch's whole parameter array included (7% of the gateway's CPU in the bench
 * profile). Loaded after a verbose() call, these are the wrapped ones: slower, equally correct.
 */
type RunFn = (this: sqlite3.Statement, params: unknown[], cb: (err: Error | null) => void) => sqlite3.Statement;
type ExecFn = (this: sqlite3.Database, sql: string, cb: (err: Error | null) => void) => sqlite3.Database;
const nativeRun = sqlite3.Statement.prototype.run as unknown as RunFn;
const nativeExec = sqlite3.Database.prototype.exec as unknown as ExecFn;

/**
 * The SQLite fast path of the audit group commit: a connection of its own to the store's file,
 * with the multi-row INSERT of each batch size prepared once. A batch of up to `chunk` rows is one
 * statement (SQLite commits a single statement atomically, so no BEGIN/COMMIT round trips) and
 * one hop to the sqlite thread; larger batches run in one explicit transaction.
 *
 * Why its own connection: TypeORM shares one sqlite connection between all its query runners
 * without serialising their transactions, so audit statements issued on it could land inside
 * another caller's open transaction and be acknowledged before that transaction commits. Here
 * every statement is committed when its callback fires. Writers on the two connections take
 * SQLite's write lock in turn (busy timeout as the store's). `synchronous = FULL` as the store:
 * a row is on disk before its operation is answered.
 */
export class SqliteAuditSink {
  private db: Promise<sqlite3.Database> | null = null;
  private readonly statements = new Map<number, sqlite3.Statement>();

  constructor(
    private readonly file: string,
    /** `INSERT INTO t (c1, ...) VALUES ` */
    private readonly head: string,
    private readonly width: number,
    private readonly chunk = 500,
    private readonly busyTimeoutMs = 5000,
  ) {}

  async insert(params: unknown[], rows: number): Promise<void> {
    const db = await this.open();
    if (rows <= this.chunk) return this.run(db, rows, params);
    await exec(db, 'BEGIN IMMEDIATE');
    try {
      for (let r = 0; r < rows; r += this.chunk) {
        const n = Math.min(this.chunk, rows - r);
        await this.run(db, n, params.slice(r * this.width, (r + n) * this.width));
      }
      await exec(db, 'COMMIT');
    } catch (err) {
      await exec(db, 'ROLLBACK').catch(() => {});
      throw err;
    }
  }

  async close(): Promise<void> {
    const pending = this.db;
    this.db = null;
    if (!pending) return;
    const db = await pending.catch(() => null);
    if (!db) return;
    for (const s of this.statements.values()) await new Promise<void>((r) => s.finalize(() => r()));
    this.statements.clear();
    await new Promise<void>((resolve, reject) => db.close((err) => (err ? reject(err) : resolve())));
  }

  private run(db: sqlite3.Database, rows: number, params: unknown[]): Promise<void> {
    let stmt = this.statements.get(rows);
    if (!stmt) {
      const tuple = `(${Array.from({ length: this.width }, () => '?').join(', ')})`;
      stmt = db.prepare(this.head + Array.from({ length: rows }, () => tuple).join(', '));
      // Batch sizes follow the load (up to the connections in flight); keep the common ones.
      if (this.statements.size < 128) this.statements.set(rows, stmt);
      else return new Promise((resolve, reject) => stmt!.run(params, (err) => (err ? reject(err) : resolve())).finalize());
    }
    return new Promise((resolve, reject) => nativeRun.call(stmt!, params, (err) => (err ? reject(err) : resolve())));
  }

  private open(): Promise<sqlite3.Database> {
    this.db ??= new Promise<sqlite3.Database>((resolve, reject) => {
      const db = new sqlite3.Database(this.file, sqlite3.OPEN_READWRITE, (err) => {
        if (err) return reject(err);
        db.configure('busyTimeout', this.busyTimeoutMs);
        exec(db, 'PRAGMA synchronous = FULL').then(() => resolve(db), reject);
      });
    }).catch((err) => {
      this.db = null;
      throw err;
    });
    return this.db;
  }
}

function exec(db: sqlite3.Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => nativeExec.call(db, sql, (err) => (err ? reject(err) : resolve())));
}
