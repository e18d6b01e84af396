/**
 * The SQLite file: schema, the upsert rule, pruning, statistics.
 *
 * One row per STIX id. An incoming version replaces the stored one when its
 * `modified` is newer; on a tie a removal wins (a removal and the object it
 * removes may carry the same timestamp). A removal is kept as a tombstone
 * row (`removed = 1`) so an older copy arriving later does not resurrect the
 * indicator.
 *
 * WAL mode with `synchronous = NORMAL`: a committed transaction survives a
 * crash of the process (kill -9); only an OS crash or power loss may lose the
 * last transactions.
 */
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StoreError, StoreErrorCode, storeErrorFor } from './errors';
import { ObjectKind } from './rows';
import type { ObjectRow } from './rows';

export interface OpenOptions {
  /** Milliseconds to wait for a lock held by another connection. Default 5000. */
  busyTimeoutMs?: number;
  /** Open an existing database for reading only (export, stats, snapshots). */
  readonly?: boolean;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS objects (
  id TEXT NOT NULL UNIQUE,
  kind INTEGER NOT NULL,
  changed INTEGER NOT NULL,
  modified TEXT NOT NULL,
  valid_until INTEGER,
  removed INTEGER NOT NULL DEFAULT 0,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS objects_by_kind_changed ON objects (kind, changed);
CREATE INDEX IF NOT EXISTS objects_expiring ON objects (valid_until) WHERE valid_until IS NOT NULL;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '1');
`;

const UPSERT = `
INSERT INTO objects (id, kind, changed, modified, valid_until, removed, body)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
  kind = excluded.kind, changed = excluded.changed, modified = excluded.modified,
  valid_until = excluded.valid_until, removed = excluded.removed, body = excluded.body
WHERE excluded.modified > objects.modified
   OR (excluded.modified = objects.modified AND excluded.removed = 1 AND objects.removed = 0)
`;

/** UPSERT's parameters, in the order of ObjectRow's properties. */
type UpsertParams = [id: string, kind: number, changed: number, modified: string, valid_until: number | null, removed: number, body: string];

export interface PruneLimits {
  now: number;
  sightingRetentionMs: number;
  tombstoneRetentionMs: number;
  /** 0: no bound. */
  maxIndicators: number;
}

export interface PruneResult {
  expired: number;
  sightings: number;
  tombstones: number;
  evicted: number;
}

export interface StoreStats {
  path: string;
  indicators: number;
  expired: number;
  removals: number;
  sightings: number;
  /** Bytes of the database file plus its -wal and -shm files. */
  bytes: number;
  /** Oldest and newest `max(created, modified)` over every stored object, ms. */
  oldest?: number;
  newest?: number;
}

export class StoreDatabase {
  /** Positional parameters: binding seven named ones from an object was up to ~3 µs dearer per row (bench/src/store-upsert.ts). */
  private readonly upsert: Statement<UpsertParams>;
  private readonly upsertMany: (rows: readonly ObjectRow[]) => number;

  private constructor(
    readonly path: string,
    readonly db: Db,
  ) {
    this.upsert = db.prepare<UpsertParams>(UPSERT);
    this.upsertMany = db.transaction((rows: readonly ObjectRow[]) => {
      let changed = 0;
      for (const r of rows) changed += this.upsert.run(r.id, r.kind, r.changed, r.modified, r.valid_until, r.removed, r.body).changes;
      return changed;
    });
  }

  /** Open (creating it if needed) the database at `path`; a StoreError names the path and the problem. */
  static open(path: string, options: OpenOptions = {}): StoreDatabase {
    const file = resolve(path);
    if (options.readonly && !existsSync(file)) {
      throw new StoreError(StoreErrorCode.UNAVAILABLE, `store database '${file}' does not exist; check plugins.apps.store.path (relative paths resolve against the working directory), or start the bus with the store once`);
    }
    if (!existsSync(dirname(file))) {
      throw new StoreError(StoreErrorCode.UNAVAILABLE, `cannot open store database '${file}': the directory '${dirname(file)}' does not exist`);
    }
    let db: Db | undefined;
    try {
      db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false, timeout: options.busyTimeoutMs ?? 5000 });
      if (!options.readonly) {
        // journal_mode reads the header first: this is where a corrupt or locked file shows.
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        db.exec(SCHEMA);
      } else {
        // Reads the header and the schema: where a corrupt file or a foreign database shows.
        db.prepare('SELECT 1 FROM objects LIMIT 1').get();
      }
      return new StoreDatabase(file, db);
    } catch (e) {
      db?.close();
      throw storeErrorFor(file, e, options.readonly ? 'read' : 'open');
    }
  }

  /** Apply a batch in one transaction; returns how many rows were inserted or replaced. */
  write(rows: readonly ObjectRow[]): number {
    try {
      return this.upsertMany(rows);
    } catch (e) {
      throw storeErrorFor(this.path, e, 'write to');
    }
  }

  /** Remove what must no longer be kept; the bound on indicators evicts the oldest. */
  prune(limits: PruneLimits): PruneResult {
    const db = this.db;
    const run = db.transaction((): PruneResult => {
      const expired = db.prepare('DELETE FROM objects WHERE valid_until IS NOT NULL AND valid_until <= ?').run(limits.now).changes;
      const sightings = db.prepare('DELETE FROM objects WHERE kind = ? AND changed < ?').run(ObjectKind.SIGHTING, limits.now - limits.sightingRetentionMs).changes;
      const tombstones = db
        .prepare('DELETE FROM objects WHERE kind = ? AND removed = 1 AND changed < ?')
        .run(ObjectKind.INDICATOR, limits.now - limits.tombstoneRetentionMs).changes;
      let evicted = 0;
      if (limits.maxIndicators > 0) {
        const live = this.countLiveIndicators();
        if (live > limits.maxIndicators) {
          evicted = db
            .prepare('DELETE FROM objects WHERE rowid IN (SELECT rowid FROM objects WHERE kind = ? AND removed = 0 ORDER BY changed LIMIT ?)')
            .run(ObjectKind.INDICATOR, live - limits.maxIndicators).changes;
        }
      }
      return { expired, sightings, tombstones, evicted };
    });
    try {
      return run();
    } catch (e) {
      throw storeErrorFor(this.path, e, 'prune');
    }
  }

  private countLiveIndicators(): number {
    const row = this.db.prepare('SELECT count(*) AS n FROM objects WHERE kind = ? AND removed = 0').get(ObjectKind.INDICATOR) as { n: number };
    return row.n;
  }

  stats(now = Date.now()): StoreStats {
    const count = (where: string, ...args: unknown[]): number => (this.db.prepare(`SELECT count(*) AS n FROM objects WHERE ${where}`).get(...args) as { n: number }).n;
    const range = this.db.prepare('SELECT min(changed) AS oldest, max(changed) AS newest FROM objects').get() as { oldest: number | null; newest: number | null };
    let bytes = 0;
    for (const suffix of ['', '-wal', '-shm']) {
      try {
        bytes += statSync(this.path + suffix).size;
      } catch {
        // -wal and -shm exist only while a connection is open.
      }
    }
    return {
      path: this.path,
      indicators: count('kind = ? AND removed = 0 AND (valid_until IS NULL OR valid_until > ?)', ObjectKind.INDICATOR, now),
      expired: count('kind = ? AND removed = 0 AND valid_until <= ?', ObjectKind.INDICATOR, now),
      removals: count('kind = ? AND removed = 1', ObjectKind.INDICATOR),
      sightings: count('kind = ?', ObjectKind.SIGHTING),
      bytes,
      ...(range.oldest !== null ? { oldest: range.oldest } : {}),
      ...(range.newest !== null ? { newest: range.newest } : {}),
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
