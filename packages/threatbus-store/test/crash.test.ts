/**
 * kill -9 loses at most the objects not yet written: a child process adds
 * 250 indicators with batch_size 100 and a flush interval far away, waits
 * until the write worker committed the two full batches, says so, and is
 * killed. The 200 are in the database; the 50 still waiting in memory are
 * lost, and the file opens cleanly (WAL).
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { StoreDatabase } from '../src';
import { removeTempDirs, tempDir } from './helpers';

afterEach(() => removeTempDirs());

const DIST = resolve(__dirname, '../dist');
const CORE = resolve(__dirname, '../../threatbus/dist');

test('kill -9 loses only the batch still in memory', async () => {
  const path = join(tempDir(), 'crash.db');
  const script = `
    const { StoreDatabase, BatchWriter } = require(${JSON.stringify(DIST)});
    const { createIndicator, silentLogger } = require(${JSON.stringify(CORE)});
    StoreDatabase.open(${JSON.stringify(path)}).close();
    const writer = new BatchWriter(${JSON.stringify(path)}, silentLogger(), 100, 60000);
    writer.start().then(() => {
      for (let n = 0; n < 250; n++) writer.add(createIndicator({ pattern: "[ipv4-addr:value = '10.9." + (n >> 8) + '.' + (n & 255) + "']", pattern_type: 'stix' }));
      const done = setInterval(() => {
        if (writer.written < 200) return;
        clearInterval(done);
        process.stdout.write('written=' + writer.written + ' pending=' + writer.pendingCount + '\\n');
        setInterval(() => {}, 1000);
      }, 5);
    });
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  expect(line.toString()).toBe('written=200 pending=50\n');
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  const [code, signal] = await exited;
  expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });

  const db = StoreDatabase.open(path);
  try {
    expect(db.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.stats().indicators).toBe(200);
  } finally {
    db.close();
  }
});
