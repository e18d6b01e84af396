/**
 * `node bench/dist/store-snapshot-cost.js [N]`: the bus's own CPU per object
 * of a store snapshot, without the zmq app: a store with N indicators
 * (default 200,000) and an in-process subscriber asking for a snapshot; the
 * time covers reading pages, parsing each stored object, the envelope, the
 * coordinator's once-per-id check and the delivery to the subscriber.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIndicator, defineAppPlugin, silentLogger, startThreatBus } from 'threatbus';
import type { AppBus } from 'threatbus';
import storePlugin, { StoreDatabase, toRow } from 'threatbus-store';
import type { ObjectRow } from 'threatbus-store';

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 200_000);
  const path = join(tmpdir(), `threatbus-store-snapshot-cost-${process.pid}.db`);
  const db = StoreDatabase.open(path);
  let batch: ObjectRow[] = [];
  for (let i = 0; i < n; i++) {
    batch.push(toRow(createIndicator({ pattern: `[ipv4-addr:value = '10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}']`, pattern_type: 'stix' })));
    if (batch.length === 1000) (db.write(batch), (batch = []));
  }
  db.write(batch);
  db.close();
  let bus: AppBus | undefined;
  const probe = defineAppPlugin({ name: 'probe', create: (ctx) => ((bus = ctx.bus), { start: async () => {}, stop: async () => {} }) });
  const started = await startThreatBus({ config: { plugins: { apps: { store: { path }, probe: {} } } }, plugins: [storePlugin as never, probe as never], searchRoots: false, logger: silentLogger() });
  try {
    let got = 0;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    bus!.subscribe('stix2/indicator', { push: () => void (++got === n && done()) }, { snapshotSeconds: 86400 });
    await finished;
    const cpu = process.cpuUsage(cpu0);
    console.log(`snapshot of ${n} to an in-process subscriber: wall ${(((performance.now() - t0) * 1000) / n).toFixed(1)} µs, CPU ${((cpu.user + cpu.system) / n).toFixed(1)} µs per object`);
  } finally {
    await started.close();
    for (const s of ['', '-wal', '-shm']) rmSync(path + s, { force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
