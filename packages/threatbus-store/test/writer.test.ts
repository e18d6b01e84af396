/**
 * Batches that queue up while the write worker is busy are written together
 * (one transaction for several batches): every batch is still answered, in
 * order, and counted once.
 */
import { join } from 'node:path';
import { createIndicator, silentLogger } from 'threatbus';
import { BatchWriter, StoreDatabase } from '../src';
import { removeTempDirs, tempDir } from './helpers';

afterEach(() => removeTempDirs());

/** A started writer on a new store file in a temp dir. */
async function startWriter(name: string, batchSize: number): Promise<{ path: string; writer: BatchWriter }> {
  const path = join(tempDir(), name);
  StoreDatabase.open(path).close();
  const writer = new BatchWriter(path, silentLogger(), batchSize, 60_000);
  await writer.start();
  return { path, writer };
}

const indicator = (n: number) => createIndicator({ pattern: `[ipv4-addr:value = '10.8.${n >> 8}.${n & 255}']`, pattern_type: 'stix' });

test('many small batches handed over at once are all written and counted once; a prune queued behind them waits for them', async () => {
  // batch_size 10: 3030 objects become 303 write requests posted before the worker answers the first.
  const { path, writer } = await startWriter('coalesce.db', 10);
  try {
    for (let n = 0; n < 3030; n++) writer.add(indicator(n));
    const pruned = await writer.prune({ now: Date.now(), sightingRetentionMs: 1, tombstoneRetentionMs: 1, maxIndicators: 0 });
    expect(pruned).toEqual({ expired: 0, sightings: 0, tombstones: 0, evicted: 0 });
    await writer.flush();
    expect(writer.written).toBe(3030);
    expect(writer.failed).toBe(0);
  } finally {
    await writer.close();
  }
  const db = StoreDatabase.open(path, { readonly: true });
  try {
    expect(db.stats().indicators).toBe(3030);
  } finally {
    db.close();
  }
});

test('an object whose head fields would break the batch framing is not stored, and neither is its batch; the next batch is', async () => {
  const { writer } = await startWriter('framing.db', 2);
  try {
    // Not what the bus lets through (ids are validated), but a plugin may publish an unchecked object.
    writer.add({ ...indicator(1), id: 'indicator--x\ny' });
    writer.add(indicator(2));
    writer.add(indicator(3));
    writer.add(indicator(4));
    await writer.flush();
    expect(writer.failed).toBe(2);
    expect(writer.written).toBe(2);
  } finally {
    await writer.close();
  }
});
