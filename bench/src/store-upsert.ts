/**
 * `node bench/dist/store-upsert.js [N]`: CPU per upsert of the store's
 * write path under the settings the write worker had before and has now,
 * same process, N indicators (default 120,000: the intake bench's 20k
 * warm-up + 100k) into a new file, two rounds:
 * named vs positional parameters, SQLite's default 2 MB page cache vs
 * 32 MB (tried, not kept), and transactions of 1000 (batch_size) vs 5000
 * (five batches merged because they queued behind a running transaction).
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createIndicator } from 'threatbus';
import { StoreDatabase, toRow } from 'threatbus-store';
import type { ObjectRow } from 'threatbus-store';

const N = Number(process.argv[2] ?? 120_000);
const CONFLICT = `ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, changed = excluded.changed, modified = excluded.modified, valid_until = excluded.valid_until, removed = excluded.removed, body = excluded.body
WHERE excluded.modified > objects.modified OR (excluded.modified = objects.modified AND excluded.removed = 1 AND objects.removed = 0)`;
const NAMED = `INSERT INTO objects (id, kind, changed, modified, valid_until, removed, body) VALUES (@id, @kind, @changed, @modified, @valid_until, @removed, @body) ${CONFLICT}`;
const POSITIONAL = `INSERT INTO objects (id, kind, changed, modified, valid_until, removed, body) VALUES (?, ?, ?, ?, ?, ?, ?) ${CONFLICT}`;

interface Setting { name: string; positional: boolean; cacheKib?: number; transaction: number }
const SETTINGS: Setting[] = [
  { name: 'before: named parameters, tx 1000', positional: false, transaction: 1000 },
  { name: 'now: positional, tx 1000', positional: true, transaction: 1000 },
  { name: 'tried: positional, 32 MB cache, tx 1000', positional: true, cacheKib: 32 * 1024, transaction: 1000 },
  { name: 'now, 5 batches merged: tx 5000', positional: true, transaction: 5000 },
];

const rows: ObjectRow[] = [];
for (let i = 0; i < N; i++) rows.push(toRow(createIndicator({ pattern: `[ipv4-addr:value = '10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}']`, pattern_type: 'stix' })));

for (const round of [1, 2]) {
  for (const s of SETTINGS) {
    const path = join(tmpdir(), `threatbus-store-upsert-${process.pid}.db`);
    StoreDatabase.open(path).close(); // the store's schema
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('wal_autocheckpoint = 10000');
    if (s.cacheKib) db.pragma(`cache_size = -${s.cacheKib}`);
    const upsert = db.prepare(s.positional ? POSITIONAL : NAMED);
    const write = db.transaction((batch: ObjectRow[]) => {
      for (const r of batch) {
        if (s.positional) upsert.run(r.id, r.kind, r.changed, r.modified, r.valid_until, r.removed, r.body);
        else upsert.run(r);
      }
    });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < N; i += s.transaction) write(rows.slice(i, i + s.transaction));
    const cpu = process.cpuUsage(cpu0);
    const wallUs = ((performance.now() - t0) * 1000) / N;
    db.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
    console.log(`round ${round}  ${s.name.padEnd(40)} wall ${wallUs.toFixed(1)} µs  CPU ${((cpu.user + cpu.system) / N).toFixed(1)} µs per upsert (user ${(cpu.user / N).toFixed(1)}, system ${(cpu.system / N).toFixed(1)})`);
  }
}
