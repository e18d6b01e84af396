/**
 * `npm run bench:store`: what the store (threatbus-store) costs and gives.
 *
 * 1. Intake with and without the store, side by side in the same run:
 *    MISP (ZeroMQ feed) → threatbus → one zmq-app subscriber, the same
 *    variant as `npm run bench`'s inmem-1sub, alternating without/with.
 * 2. A snapshot of 1,000,000 stored indicators to a zmq-app subscriber:
 *    the database is filled directly, a bus (CLI process) with the store and
 *    the zmq app starts on it, a subscriber asks for a 30-day snapshot; time
 *    from subscribing to the last indicator, bus RSS before and at peak.
 * 3. File size per 1M indicators, and write speed.
 *
 *   npm run bench:store                    intake 100k x2 (alternating), snapshot 1M
 *   npm run bench:store -- --n 10000 --snapshot 100000   smaller
 *   npm run bench:store -- --rounds 0 --seed-db /tmp/s1m.db   the snapshot only, seeding that file once
 *                                          and reusing it in later runs (seeding 1M takes minutes)
 *   npm run bench:store -- --snapshot 0    the intake only
 *   npm run bench:store -- --snapshot 0 --batch-sizes 1000,5000   with-store runs per store batch_size, alternating
 *   BENCH_PROFILE=<dir>                    CPU profiles of the bus processes (node --cpu-prof)
 * Results: bench/results/store.json; a markdown table on stdout (docs/benchmarks.md).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createIndicator } from 'threatbus';
import { StoreDatabase, toRow } from 'threatbus-store';
import type { ObjectRow } from 'threatbus-store';
import { Child, freePort, startNodeChild } from './processes';
import { sampleProcess } from './proc-stats';
import { runVariant } from './run';
import type { Variant } from './run';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'packages/threatbus/dist/cli.js');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function fileBytes(path: string): number {
  let n = 0;
  for (const s of ['', '-wal', '-shm']) {
    try {
      n += statSync(path + s).size;
    } catch {
      /* absent */
    }
  }
  return n;
}

interface IntakeResult { name: string; store: boolean; batch_size?: number; throughput: number; lost: number; cpu_us_per_indicator?: number; peak_rss_mb?: number; stored?: number; db_bytes?: number }

/** `batchSizes`: one with-store run per store batch_size in each round (undefined: the store's default). */
async function intake(n: number, rounds: number, dir: string, batchSizes: (number | undefined)[]): Promise<IntakeResult[]> {
  const out: IntakeResult[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const [withStore, batchSize] of [[false, undefined] as const, ...batchSizes.map((b) => [true, b] as const)]) {
      const db = join(dir, `intake-${round}-${batchSize ?? 'default'}.db`);
      const name = `inmem-1sub${withStore ? '-store' : ''}${batchSize ? `-b${batchSize}` : ''}-${n}`;
      const v: Variant = { name, kind: 'bus', count: n, subscribers: 1, rate: 0, backbone: 'inmem', warmup: 20_000, ...(withStore ? { store: db, storeBatchSize: batchSize } : {}) };
      process.stderr.write(`${v.name} (round ${round + 1}) ... `);
      const r = await runVariant(v);
      let stored: number | undefined;
      if (withStore) {
        const s = StoreDatabase.open(db, { readonly: true });
        stored = s.stats().indicators;
        s.close();
      }
      const res: IntakeResult = {
        name: v.name, store: withStore, ...(batchSize ? { batch_size: batchSize } : {}), throughput: r.throughput, lost: r.lost,
        cpu_us_per_indicator: r.bus?.cpu_us_per_indicator, peak_rss_mb: r.bus?.peak_rss_mb,
        ...(withStore ? { stored, db_bytes: fileBytes(db) } : {}),
      };
      process.stderr.write(`${Math.round(res.throughput)} msg/s, lost ${res.lost}${withStore ? `, stored ${stored}` : ''}\n`);
      out.push(res);
    }
  }
  return out;
}

/** Fill a store with `count` indicators (as the bus would have stored them); returns seconds taken and file size. */
function seed(path: string, count: number): { seconds: number; bytes: number } {
  const began = performance.now();
  const db = StoreDatabase.open(path);
  let batch: ObjectRow[] = [];
  for (let i = 0; i < count; i++) {
    const pattern = `[ipv4-addr:value = '${(i >>> 24) & 255}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}']`;
    batch.push(toRow(createIndicator({ pattern, pattern_type: 'stix' })));
    if (batch.length === 1000) {
      db.write(batch);
      batch = [];
    }
  }
  db.write(batch);
  db.db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { seconds: (performance.now() - began) / 1000, bytes: fileBytes(path) };
}

interface SnapshotResult { count: number; received: number; duplicates: number; seconds: number; seed_seconds: number; db_bytes: number; bytes_per_indicator: number; bus_rss_ready_mb: number; bus_peak_rss_mb: number; bus_cpu_seconds: number; subscriber_cpu_seconds: number }

async function snapshot(count: number, dir: string, reuse?: string): Promise<SnapshotResult> {
  const path = reuse ?? join(dir, 'snapshot.db');
  let seeded = { seconds: 0, bytes: fileBytes(path) };
  if (reuse === undefined || seeded.bytes === 0) {
    process.stderr.write(`seeding ${count} indicators ... `);
    seeded = seed(path, count);
    process.stderr.write(`${seeded.seconds.toFixed(1)} s, ${(seeded.bytes / 1e6).toFixed(0)} MB\n`);
  }
  const [manage, pub, sub] = [await freePort(), await freePort(), await freePort()];
  const cfg = join(dir, 'snapshot.yaml');
  writeFileSync(cfg, `logging:\n  console: true\n  console_verbosity: INFO\n  file: false\nplugins:\n  apps:\n` +
    `    zmq:\n      host: 127.0.0.1\n      manage: ${manage}\n      pub: ${pub}\n      sub: ${sub}\n    store:\n      path: ${path}\n`);
  // BENCH_PROFILE=<dir>: a V8 CPU profile of the bus process while it serves the snapshot.
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : [];
  const bus = new Child('threatbus', spawn(process.execPath, [...profile, CLI, '-c', cfg], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] }));
  const children: Child[] = [bus];
  let sampler: NodeJS.Timeout | undefined;
  try {
    const until = Date.now() + 30_000;
    while (!/Threat Bus ready/.test(bus.stderr)) {
      if (bus.proc.exitCode !== null || Date.now() > until) throw new Error(`bus did not start: ${bus.stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const ready = sampleProcess(bus.pid)!;
    let peak = ready.rssMB;
    let cpu = ready.cpuSeconds;
    sampler = setInterval(() => {
      const s = sampleProcess(bus.pid);
      if (s) { peak = Math.max(peak, s.rssMB); cpu = s.cpuSeconds; }
    }, 50);
    const subscriberProfile = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', join(process.env.BENCH_PROFILE, 'subscriber')] : [];
    const subscriber = startNodeChild('snapshot-subscriber', 'store-snapshot-subscriber.js', { manage, count, days: 30 }, subscriberProfile);
    children.push(subscriber);
    // The subscriber decodes and validates every object (client library): on 2 cores it competes with the bus.
    let subscriberCpu = 0;
    const subscriberSampler = setInterval(() => (subscriberCpu = sampleProcess(subscriber.pid)?.cpuSeconds ?? subscriberCpu), 50);
    const done = await subscriber.waitFor('done', 10 * 60_000).finally(() => clearInterval(subscriberSampler));
    const seconds = Number(BigInt(String(done.lastNs)) - BigInt(String(done.startNs))) / 1e9;
    return {
      count, received: Number(done.received), duplicates: Number(done.duplicates), seconds,
      seed_seconds: seeded.seconds, db_bytes: seeded.bytes, bytes_per_indicator: seeded.bytes / count,
      bus_rss_ready_mb: ready.rssMB, bus_peak_rss_mb: peak, bus_cpu_seconds: cpu - ready.cpuSeconds, subscriber_cpu_seconds: subscriberCpu,
    };
  } finally {
    if (sampler) clearInterval(sampler);
    await Promise.all(children.reverse().map((c) => c.stop()));
  }
}

/** The intake rows as a markdown table, with the mean throughput ratio and the CPU per indicator. */
function intakeTable(results: IntakeResult[]): string {
  if (results.length === 0) return '';
  const mean = (rs: IntakeResult[], f: (r: IntakeResult) => number | undefined) => {
    const xs = rs.map(f).filter((x): x is number => x !== undefined);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  const lines = ['| run | throughput (msg/s) | lost | bus CPU µs/indicator | bus peak RSS (MB) | stored | store file |', '|---|---:|---:|---:|---:|---:|---:|'];
  for (const r of results) {
    lines.push(`| ${r.name} | ${Math.round(r.throughput).toLocaleString('en')} | ${r.lost} | ${r.cpu_us_per_indicator?.toFixed(0) ?? '-'} | ${r.peak_rss_mb?.toFixed(0) ?? '-'} | ${r.stored ?? '-'} | ${r.db_bytes ? (r.db_bytes / 1e6).toFixed(1) + ' MB' : '-'} |`);
  }
  const without = results.filter((r) => !r.store);
  const cpu = (rs: IntakeResult[]) => mean(rs, (r) => r.cpu_us_per_indicator);
  lines.push('');
  for (const batch of new Set(results.filter((r) => r.store).map((r) => r.batch_size))) {
    const withStore = results.filter((r) => r.store && r.batch_size === batch);
    lines.push(`Mean throughput with the store${batch ? ` (batch_size ${batch})` : ''}: ${((mean(withStore, (r) => r.throughput) / mean(without, (r) => r.throughput)) * 100).toFixed(0)} % of without; ` +
      `bus CPU ${cpu(without).toFixed(1)} → ${cpu(withStore).toFixed(1)} µs per indicator (+${(cpu(withStore) - cpu(without)).toFixed(1)}).`);
  }
  lines.push('');
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const n = arg('--n', 100_000);
  const rounds = arg('--rounds', 2);
  const snapshotCount = arg('--snapshot', 1_000_000);
  const seedIndex = process.argv.indexOf('--seed-db');
  const reuse = seedIndex >= 0 ? resolve(process.argv[seedIndex + 1]) : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'threatbus-bench-store-'));
  try {
    const batchIndex = process.argv.indexOf('--batch-sizes');
    const batchSizes = batchIndex >= 0 ? process.argv[batchIndex + 1].split(',').map(Number) : [undefined];
    const intakeResults = await intake(n, rounds, dir, batchSizes);
    if (snapshotCount <= 0) {
      process.stdout.write(intakeTable(intakeResults));
      return;
    }
    const snap = await snapshot(snapshotCount, dir, reuse);
    process.stderr.write(`snapshot of ${snap.count}: ${snap.received} received (${snap.duplicates} duplicates) in ${snap.seconds.toFixed(2)} s, bus RSS ${snap.bus_rss_ready_mb.toFixed(0)} → peak ${snap.bus_peak_rss_mb.toFixed(0)} MB\n`);
    const file = join(ROOT, 'bench/results/store.json');
    writeFileSync(file, JSON.stringify({ when: new Date().toISOString(), intake: intakeResults, snapshot: snap }, null, 2) + '\n');
    const lines = [intakeTable(intakeResults)];
    lines.push('| snapshot | received | duplicates | seconds | store file | bytes/indicator | bus RSS ready → peak (MB) | bus CPU (s) | bus CPU µs/object | subscriber CPU (s) |', '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    lines.push(`| ${snap.count.toLocaleString('en')} | ${snap.received.toLocaleString('en')} | ${snap.duplicates} | ${snap.seconds.toFixed(2)} | ${(snap.db_bytes / 1e6).toFixed(0)} MB | ${snap.bytes_per_indicator.toFixed(0)} | ${snap.bus_rss_ready_mb.toFixed(0)} → ${snap.bus_peak_rss_mb.toFixed(0)} | ${snap.bus_cpu_seconds.toFixed(1)} | ${((snap.bus_cpu_seconds * 1e6) / snap.count).toFixed(1)} | ${snap.subscriber_cpu_seconds.toFixed(1)} |`);
    process.stdout.write(lines.join('\n') + '\n');
    console.error(`results: ${file}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
