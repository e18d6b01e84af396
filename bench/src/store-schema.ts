/**
 * `node bench/dist/store-schema.js`: CPU per upsert of the store's table
 * layout (rowid table + unique index on id, as threatbus-store uses) against
 * a WITHOUT ROWID table keyed by id, 100k indicators in transactions of
 * 1000, same process, two rounds. Settings as the store's write worker.
 */
import { rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createIndicator } from 'threatbus';
import { toRow } from 'threatbus-store';
import type { ObjectRow } from 'threatbus-store';

const N = 100_000;
const COLUMNS = 'kind INTEGER NOT NULL, changed INTEGER NOT NULL, modified TEXT NOT NULL, valid_until INTEGER, removed INTEGER NOT NULL DEFAULT 0, body TEXT NOT NULL';
const INDEXES = 'CREATE INDEX a ON objects (kind, changed); CREATE INDEX b ON objects (valid_until) WHERE valid_until IS NOT NULL;';
const LAYOUTS: Record<string, string> = {
  'rowid + unique id': `CREATE TABLE objects (id TEXT NOT NULL UNIQUE, ${COLUMNS}); ${INDEXES}`,
  'WITHOUT ROWID': `CREATE TABLE objects (id TEXT PRIMARY KEY, ${COLUMNS}) WITHOUT ROWID; ${INDEXES}`,
};
const UPSERT = `INSERT INTO objects (id, kind, changed, modified, valid_until, removed, body) VALUES (@id, @kind, @changed, @modified, @valid_until, @removed, @body)
ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, changed = excluded.changed, modified = excluded.modified, valid_until = excluded.valid_until, removed = excluded.removed, body = excluded.body
WHERE excluded.modified > objects.modified OR (excluded.modified = objects.modified AND excluded.removed = 1 AND objects.removed = 0)`;

const rows: ObjectRow[] = [];
for (let i = 0; i < N; i++) rows.push(toRow(createIndicator({ pattern: `[ipv4-addr:value = '10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}']`, pattern_type: 'stix' })));

for (const round of [1, 2]) {
  for (const [name, schema] of Object.entries(LAYOUTS)) {
    const path = join(tmpdir(), `threatbus-store-schema-${process.pid}.db`);
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('wal_autocheckpoint = 10000');
    db.exec(schema);
    const upsert = db.prepare(UPSERT);
    const write = db.transaction((batch: ObjectRow[]) => {
      for (const r of batch) upsert.run(r);
    });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < N; i += 1000) write(rows.slice(i, i + 1000));
    const cpu = process.cpuUsage(cpu0);
    const wallUs = ((performance.now() - t0) * 1000) / N;
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const bytes = statSync(path).size;
    for (const s of ['', '-wal', '-shm']) rmSync(path + s, { force: true });
    console.log(`round ${round}  ${name.padEnd(18)} wall ${wallUs.toFixed(1)} µs  CPU ${((cpu.user + cpu.system) / N).toFixed(1)} µs per upsert  file ${(bytes / 1e6).toFixed(1)} MB`);
  }
}
