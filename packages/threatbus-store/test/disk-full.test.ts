/**
 * A full disk, on a real file system that is full: a 256 KiB tmpfs (needs
 * root and mount; otherwise skipped, said at collection time). At start it
 * is one clear error naming the path; while running, a failing write is
 * logged (once, with the count) and the bus goes on delivering.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIndicator } from 'threatbus';
import { startTestBus, waitFor } from 'threatbus/testing';
import storePlugin, { StoreDatabase, StoreError, StoreErrorCode } from '../src';

const mountPoint = mkdtempSync(join(tmpdir(), 'threatbus-store-full-'));
const mounted = process.getuid?.() === 0 && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint]).status === 0;
if (!mounted) rmdirSync(mountPoint);
const d = mounted ? describe : describe.skip;

afterAll(() => {
  if (!mounted) return;
  spawnSync('umount', [mountPoint]);
  rmdirSync(mountPoint);
});

/** Fill the file system with a file named `name`. */
function fill(name: string): void {
  try {
    writeFileSync(join(mountPoint, name), Buffer.alloc(1 << 20));
  } catch {
    // ENOSPC: full, as wanted (the part that fit stays).
  }
}

d(`disk full (${mounted ? 'a 256 KiB tmpfs' : 'skipped: needs root and mount -t tmpfs'})`, () => {
  test('at start: one clear error naming the path, no crash', () => {
    fill('filler-a');
    const path = join(mountPoint, 'new.db');
    let error: unknown;
    try {
      StoreDatabase.open(path).close();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe(StoreErrorCode.UNAVAILABLE);
    expect((error as StoreError).message).toBe(`store database '${path}': the disk is full (database or disk is full); free space, or move the store elsewhere (plugins.apps.store.path)`);
    spawnSync('rm', ['-f', join(mountPoint, 'filler-a'), path]);
  });

  test('while running: the failed batch is logged with the count, and the bus goes on', async () => {
    const path = join(mountPoint, 'running.db');
    const bus = await startTestBus({ plugins: [storePlugin], config: { plugins: { apps: { store: { path, batch_size: 500 } } } } });
    try {
      fill('filler-b');
      const sent = Array.from({ length: 2000 }, (_, n) => createIndicator({ pattern: `[ipv4-addr:value = '10.7.${n >> 8}.${n & 255}']`, pattern_type: 'stix', description: 'x'.repeat(200) }));
      for (const i of sent) await bus.probe.publish(i);
      await waitFor('the failed write logged', () => bus.logger.records.some((r) => r.level === 'error' && /Could not store \d+ objects: .*the disk is full/.test(r.message)));
      expect(bus.probe.indicators()).toHaveLength(sent.length);
      expect(bus.logger.records.filter((r) => r.level === 'error' && /Could not store/.test(r.message))).toHaveLength(1);
    } finally {
      await bus.close();
    }
  });
});
