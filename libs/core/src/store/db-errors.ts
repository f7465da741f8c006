/**
 * Is this error a unique-constraint (or primary-key) violation? PostgreSQL says so with SQLSTATE
 * 23505; SQLite with SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY (or "UNIQUE constraint failed" in the
 * message). Other constraint failures (NOT NULL, foreign keys) are not duplicates and must not
 * become ALREADY_EXISTS.
 */
export function isUniqueViolation(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; errno?: unknown; message?: unknown; driverError?: unknown };
  if (e.code === '23505') return true;
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return true;
  const message = typeof e.message === 'string' ? e.message : '';
  if (/UNIQUE constraint failed|duplicate key value violates unique constraint/i.test(message)) return true;
  // TypeORM's QueryFailedError keeps the driver's error beside its own.
  if (e.driverError && e.driverError !== err) return isUniqueViolation(e.driverError);
  return false;
}
