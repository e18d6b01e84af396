/**
 * Reading many objects without holding them all: a statement's iterate()
 * on a connection of its own (better-sqlite3 allows no other statement on a
 * connection while an iterator is open, and the writer must keep writing),
 * handed out in pages, yielding to the event loop between pages so live
 * traffic keeps flowing during a large snapshot or export.
 *
 * The read runs in one read transaction: it sees the database as it was
 * when it started (WAL), whatever is written meanwhile.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { StoreDatabase } from './database';
import { ObjectKind } from './rows';

export interface ReadQuery {
  /** Only this kind; absent: both. */
  kind?: ObjectKind;
  /** Objects with max(created, modified) >= this (ms). */
  since: number;
  /** Include removals (tombstones): export does, snapshots do not. */
  removals: boolean;
  /** Leave out indicators whose valid_until is at or before this (ms). */
  now: number;
}

function sqlFor(q: ReadQuery): { sql: string; params: unknown[] } {
  const where = ['changed >= ?', '(valid_until IS NULL OR valid_until > ?)'];
  const params: unknown[] = [q.since, q.now];
  if (q.kind !== undefined) {
    where.unshift('kind = ?');
    params.unshift(q.kind);
  }
  if (!q.removals) where.push('removed = 0');
  // Oldest first, as history is replayed; id breaks ties so exports are reproducible.
  const order = q.kind !== undefined ? 'changed, id' : 'kind, changed, id';
  return { sql: `SELECT body FROM objects WHERE ${where.join(' AND ')} ORDER BY ${order}`, params };
}

/**
 * Call `onPage` with up to `pageSize` bodies (wire JSON) at a time; resolves
 * with the number of objects read. `onPage` may be async (its promise is
 * awaited before the next page is read).
 */
export async function readPages(path: string, query: ReadQuery, pageSize: number, onPage: (bodies: string[]) => void | Promise<void>): Promise<number> {
  const reader = StoreDatabase.open(path, { readonly: true });
  let total = 0;
  try {
    const { sql, params } = sqlFor(query);
    const rows = reader.db.prepare(sql).pluck().iterate(...params) as IterableIterator<string>;
    let page: string[] = [];
    for (const body of rows) {
      page.push(body);
      if (page.length < pageSize) continue;
      total += page.length;
      await onPage(page);
      page = [];
      await yieldToEventLoop();
    }
    if (page.length > 0) {
      total += page.length;
      await onPage(page);
    }
    return total;
  } finally {
    reader.close();
  }
}
