/**
 * Errors of the store, each a one-line message naming the database file and
 * what to do; ThreatBusErrors with the store's own stable codes.
 */
import { ThreatBusError } from 'threatbus';

export const StoreErrorCode = {
  /** The database file cannot be opened or created (missing or read-only directory, permissions, disk full). */
  UNAVAILABLE: 'TB_STORE_UNAVAILABLE',
  /** The file exists but is not an SQLite database, or is damaged. */
  CORRUPT: 'TB_STORE_CORRUPT',
  /** Another process holds a lock on the database. */
  LOCKED: 'TB_STORE_LOCKED',
  /** An import or export file is unreadable or malformed. */
  FILE_INVALID: 'TB_STORE_FILE_INVALID',
} as const;
export type StoreErrorCode = (typeof StoreErrorCode)[keyof typeof StoreErrorCode];

export class StoreError extends ThreatBusError {
  override readonly name = 'StoreError';
  constructor(code: StoreErrorCode, message: string, retriable = false, options: { cause?: unknown } = {}) {
    super(code, message, { retriable, cause: options.cause });
  }
}

interface SqliteLikeError {
  code?: unknown;
  message?: unknown;
}

/** Turn an error of better-sqlite3 (or of the file system) on `path` into a StoreError saying what is wrong. */
export function storeErrorFor(path: string, error: unknown, doing: string): StoreError {
  if (error instanceof StoreError) return error;
  const e = (error ?? {}) as SqliteLikeError;
  const code = typeof e.code === 'string' ? e.code : '';
  const detail = typeof e.message === 'string' ? e.message : String(error);
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new StoreError(StoreErrorCode.CORRUPT, `store database '${path}' is not a valid SQLite database or is damaged (${detail}); move it away to start with an empty store, or restore a backup with 'threatbus-store import'`, false, { cause: error });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreError(StoreErrorCode.LOCKED, `store database '${path}' is locked by another process (${detail}); is another bus or a 'threatbus-store import' using it?`, true, { cause: error });
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new StoreError(StoreErrorCode.UNAVAILABLE, `store database '${path}' is read-only (${detail}); the bus needs write access to the file and its directory`, false, { cause: error });
  }
  if (code === 'SQLITE_FULL') {
    return new StoreError(StoreErrorCode.UNAVAILABLE, `store database '${path}': the disk is full (${detail}); free space, or move the store elsewhere (plugins.apps.store.path)`, true, { cause: error });
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_PERM') || code === 'SQLITE_AUTH') {
    return new StoreError(StoreErrorCode.UNAVAILABLE, `cannot ${doing} store database '${path}' (${detail}); check that the directory exists and is writable`, false, { cause: error });
  }
  return new StoreError(StoreErrorCode.UNAVAILABLE, `store database '${path}': ${doing} failed: ${detail}`, false, { cause: error });
}
