/**
 * `npm run bench`: end-to-end throughput, latency, loss and resources of
 * MISP (ZeroMQ feed) → threatbus (CLI process) → zmq-app subscribers, plus
 * the raw ZeroMQ ceiling of the same payloads. Every part is a separate
 * process on 127.0.0.1. Results: bench/results/latest.json and
 * docs/benchmarks.md (table) + docs/benchmarks-throughput.svg (plot).
 *
 *   npm run bench                 full run (10k, 100k, 1M; 1 and 10 subscribers; paced; RabbitMQ if reachable)
 *   npm run bench -- --quick      smoke run (10k only)
 *   npm run bench -- --only inmem-1  run the variants whose name starts with this
 *   npm run bench -- --n 100000   these sizes (comma-separated) instead of the defaults
 *   npm run bench -- --warmup 0   no warm-up frames before each measured run (default 20000: a cold JIT
 *                                 added ~200 ms to the first second of indicators, which is not what a running bus does)
 *   BENCH_PROFILE=/tmp/prof npm run bench -- --quick --only inmem-1sub   CPU profiles of the bus (node --cpu-prof) and of the first subscriber (in /tmp/prof/subscriber)
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect } from 'node:net';
import { Child, freePort, startNodeChild } from './processes';
import { sampleProcess } from './proc-stats';
import { machineFacts, writeReport } from './report';
import type { RunResult } from './report';
import { MetricsScraper, writeMetricsChart } from './metrics-scrape';
import { curveKeyPair } from 'zeromq';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'packages/threatbus/dist/cli.js');

export interface Variant {
  name: string;
  kind: 'bus' | 'ceiling';
  count: number;
  subscribers: number;
  /** Messages per second; 0 = burst. */
  rate: number;
  backbone: 'inmem' | 'rabbitmq';
  /**
   * Ceiling through a relay process (two hops, like the bus) instead of publisher → subscriber:
   * with zeromq.js as the bus uses it, or speaking ZMTP itself over Node sockets (zmtp-relay.ts).
   */
  relay?: 'zeromq' | 'zmtp';
  /** Frames sent before the measured run (not counted), so it measures a warmed-up bus. */
  warmup: number;
  /** The bus serves /metrics and is scraped every 250 ms during the run (the cost of observability). */
  metrics?: boolean;
  /** SQLite file of a store app (threatbus-store) in the bus: intake with the store, side by side (bench/src/store.ts). */
  store?: string;
  /** The store's batch_size (absent: its default). */
  storeBatchSize?: number;
  /** CURVE on the zmq-app (docs/security.md) with the subscriber's key authorized: what encryption and authentication cost. */
  curve?: boolean;
}

function variants(quick: boolean, rabbit: boolean, warmup: number, counts?: number[]): Variant[] {
  const v = (name: string, kind: Variant['kind'], count: number, subscribers = 1, rate = 0, backbone: Variant['backbone'] = 'inmem'): Variant =>
    ({ name, kind, count, subscribers, rate, backbone, warmup });
  const sizes = counts ?? (quick ? [10_000] : [10_000, 100_000, 1_000_000]);
  const list: Variant[] = [];
  for (const n of sizes) list.push(v(`ceiling-${n}`, 'ceiling', n));
  for (const n of sizes) list.push({ ...v(`ceiling-relay-${n}`, 'ceiling', n), relay: 'zeromq' });
  for (const n of sizes) list.push({ ...v(`ceiling-relay-zmtp-${n}`, 'ceiling', n), relay: 'zmtp' });
  // The latency floor for the paced bus run: the same rate through a Node process that only relays.
  list.push({ ...v(`ceiling-relay-paced-10k/s-${quick ? 20_000 : 100_000}`, 'ceiling', quick ? 20_000 : 100_000, 1, 10_000), relay: 'zeromq' });
  for (const n of sizes) list.push(v(`inmem-1sub-${n}`, 'bus', n));
  // Side by side with inmem-1sub at the same size: what metrics (endpoint + scraping) cost.
  for (const n of sizes.filter((n) => n <= 100_000)) list.push({ ...v(`inmem-1sub-metrics-${n}`, 'bus', n), metrics: true });
  // Side by side with inmem-1sub: what CURVE costs.
  for (const n of sizes.filter((n) => n <= 100_000)) list.push({ ...v(`inmem-1sub-curve-${n}`, 'bus', n), curve: true });
  list.push(v(`inmem-10sub-${quick ? 10_000 : 100_000}`, 'bus', quick ? 10_000 : 100_000, 10));
  list.push(v(`inmem-paced-10k/s-${quick ? 20_000 : 100_000}`, 'bus', quick ? 20_000 : 100_000, 1, 10_000));
  if (rabbit) for (const n of quick ? [10_000] : [10_000, 100_000]) list.push(v(`rabbitmq-1sub-${n}`, 'bus', n, 1, 0, 'rabbitmq'));
  return list;
}

function rabbitReachable(): Promise<boolean> {
  return new Promise((r) => {
    const s = connect(5672, '127.0.0.1');
    s.once('connect', () => { s.destroy(); r(true); });
    s.once('error', () => r(false));
  });
}

type CurveKeys = { server: { publicKey: string; secretKey: string }; client: { publicKey: string; secretKey: string } };

function busConfig(v: Variant, ports: { misp: number; manage: number; pub: number; sub: number; metrics?: number }, tag: string, curve?: CurveKeys): string {
  const backbone = v.backbone === 'rabbitmq'
    ? `    rabbitmq:\n      host: 127.0.0.1\n      port: 5672\n      username: guest\n      password: guest\n      exchange_name: threatbus-bench-${tag}\n      queue:\n        name_suffix: bench-${tag}\n        durable: false\n        auto_delete: true\n        lazy: false\n`
    : '    inmem: {}\n';
  const metrics = ports.metrics ? `metrics:\n  enabled: true\n  host: 127.0.0.1\n  port: ${ports.metrics}\n` : '';
  return `logging:\n  console: true\n  console_verbosity: INFO\n  file: false\n${metrics}plugins:\n  backbones:\n${backbone}  apps:\n` +
    `    misp:\n      zmq:\n        host: 127.0.0.1\n        port: ${ports.misp}\n` +
    `    zmq:\n      host: 127.0.0.1\n      manage: ${ports.manage}\n      pub: ${ports.pub}\n      sub: ${ports.sub}\n` +
    (curve ? `      curve:\n        secret_key: "${curve.server.secretKey}"\n        authorized_keys: ["${curve.client.publicKey}"]\n` : '') +
    (v.store ? `    store:\n      path: ${v.store}\n` + (v.storeBatchSize ? `      batch_size: ${v.storeBatchSize}\n` : '') : '');
}

async function waitForStderr(child: Child, pattern: RegExp, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!pattern.test(child.stderr)) {
    if (child.proc.exitCode !== null) throw new Error(`${child.name} exited: ${child.stderr.slice(-3000)}`);
    if (Date.now() > until) throw new Error(`${child.name}: no ${pattern} within ${timeoutMs} ms\n${child.stderr.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Wait until every receiver is done, or until none made progress for `stallMs` (then the rest counts as lost). */
async function collect(receivers: Child[], stallMs: number): Promise<void> {
  let lastTotal = -1;
  let lastChange = Date.now();
  for (;;) {
    if (receivers.every((r) => r.last('done'))) return;
    const total = receivers.reduce((s, r) => s + Number(r.last('progress')?.received ?? 0), 0);
    if (total !== lastTotal) { lastTotal = total; lastChange = Date.now(); }
    if (Date.now() - lastChange > stallMs) {
      for (const r of receivers) if (!r.last('done')) r.proc.stdin?.end(); // asks it to report what it has
      await Promise.all(receivers.map((r) => r.waitFor('done', 10_000)));
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function runVariant(v: Variant): Promise<RunResult> {
  const tag = `${process.pid}-${Date.now().toString(36)}`;
  const mispPort = await freePort();
  const children: Child[] = [];
  const tmp = mkdtempSync(join(tmpdir(), 'threatbus-bench-'));
  let peak = { rssMB: 0, peakRssMB: 0, cpuSeconds: 0 };
  let sampler: NodeJS.Timeout | undefined;
  let scraper: MetricsScraper | undefined;
  let metricsPort: number | undefined;
  try {
    const publisher = startNodeChild('publisher', 'misp-publisher.js', { port: mispPort, count: v.count, rate: v.rate, subscribers: 1, warmup: v.warmup });
    children.push(publisher);
    await publisher.waitFor('bound');
    let bus: Child | undefined;
    let startupMs: number | undefined;
    let cpuAtReady: number | undefined;
    let receivers: Child[];
    if (v.kind === 'ceiling') {
      let port = mispPort;
      if (v.relay) {
        port = await freePort();
        const relay = v.relay === 'zmtp'
          ? startNodeChild('zmtp-relay', 'zmtp-relay.js', { from: mispPort, port })
          : startNodeChild('raw-relay', 'raw-relay.js', { from: mispPort, port });
        children.push(relay);
        await relay.waitFor('bound');
      }
      receivers = [startNodeChild('raw-subscriber', 'raw-subscriber.js', { port, count: v.count })];
      children.push(...receivers);
    } else {
      // freePort releases the port at once, so two calls can return the same one: insist on distinct ports.
      const taken = new Set([mispPort]);
      const distinct = async (): Promise<number> => {
        for (;;) {
          const p = await freePort();
          if (!taken.has(p)) return taken.add(p), p;
        }
      };
      const ports = { misp: mispPort, manage: await distinct(), pub: await distinct(), sub: await distinct(), metrics: v.metrics ? await distinct() : undefined };
      const cfg = join(tmp, 'config.yaml');
      const curve = v.curve ? { server: curveKeyPair(), client: curveKeyPair() } : undefined;
      writeFileSync(cfg, busConfig(v, ports, tag, curve));
      metricsPort = ports.metrics;
      const began = performance.now();
      // BENCH_PROFILE=<dir>: write a V8 CPU profile of the bus process there (node --cpu-prof).
      const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : [];
      // ... and of the first subscriber, in a subdirectory.
      const subscriberProfile = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', join(process.env.BENCH_PROFILE, 'subscriber')] : [];
      // BENCH_BUS_NODE_ARGS="--trace-gc ...": extra node flags for the bus process (its stdout is not parsed).
      const busArgs = (process.env.BENCH_BUS_NODE_ARGS ?? '').split(' ').filter(Boolean);
      bus = new Child('threatbus', spawn(process.execPath, [...busArgs, ...profile, CLI, '-c', cfg], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] }));
      children.push(bus);
      // BENCH_BUS_STDOUT=<file>: keep what the bus writes on stdout (e.g. --trace-gc lines).
      if (process.env.BENCH_BUS_STDOUT) bus.proc.stdout?.pipe(createWriteStream(process.env.BENCH_BUS_STDOUT));
      await waitForStderr(bus, /Threat Bus ready/, 15_000);
      startupMs = performance.now() - began;
      const busPid = bus.pid;
      cpuAtReady = sampleProcess(busPid)?.cpuSeconds;
      sampler = setInterval(() => {
        const s = sampleProcess(busPid);
        if (s) peak = { rssMB: s.rssMB, peakRssMB: Math.max(peak.peakRssMB, s.peakRssMB), cpuSeconds: s.cpuSeconds };
      }, 100);
      receivers = Array.from({ length: v.subscribers }, (_, i) =>
        startNodeChild(`subscriber-${i}`, 'bus-subscriber.js', { manage: ports.manage, count: v.count, curve: curve && { server_key: curve.server.publicKey, public_key: curve.client.publicKey, secret_key: curve.client.secretKey } }, i === 0 ? subscriberProfile : []));
      children.push(...receivers);
    }
    await Promise.all(receivers.map((r) => r.waitFor('ready', 20_000)));
    await publisher.waitFor('subscribed', 20_000);
    if (metricsPort) {
      scraper = new MetricsScraper(`http://127.0.0.1:${metricsPort}/metrics`);
      scraper.start();
    }
    publisher.proc.stdin?.write('go\n');
    const sent = await publisher.waitFor('sent', 30 * 60_000);
    await collect(receivers, 10_000);
    if (scraper) {
      // One last scrape after the run, so the chart ends where the counters ended.
      await new Promise((r) => setTimeout(r, 500));
      scraper.stop();
      writeMetricsChart(scraper.samples, join(ROOT, 'docs/observability-bench.svg'), `${v.name}: the bus's own /metrics, scraped every 250 ms`);
    }
    if (bus) {
      const s = sampleProcess(bus.pid);
      if (s) peak = { rssMB: s.rssMB, peakRssMB: Math.max(peak.peakRssMB, s.peakRssMB), cpuSeconds: s.cpuSeconds };
    }
    const firstSendNs = BigInt(String(sent.startNs));
    const subs = receivers.map((r) => {
      const d = r.last('done')!;
      const lastNs = BigInt(String(d.lastNs === 'undefined' ? 0 : d.lastNs));
      const received = Number(d.received);
      const seconds = Number(lastNs - firstSendNs) / 1e9;
      return { received, lost: v.count - received, throughput: seconds > 0 ? received / seconds : 0, latency_us: d.latency_us as RunResult['latency_us'] };
    });
    return {
      name: v.name, kind: v.kind, backbone: v.kind === 'ceiling' ? 'none' : v.backbone, count: v.count, subscribers: v.subscribers, rate: v.rate, warmup: v.warmup,
      sent: Number(sent.count), publisher_seconds: Number(sent.seconds),
      throughput: Math.min(...subs.map((s) => s.throughput)),
      lost: subs.reduce((a, s) => a + s.lost, 0),
      latency_us: subs[0].latency_us,
      subscribers_detail: subs,
      bus: bus ? {
        startup_ms: startupMs!, peak_rss_mb: peak.peakRssMB, end_rss_mb: peak.rssMB, cpu_seconds: peak.cpuSeconds,
        cpu_us_per_indicator: cpuAtReady === undefined ? undefined : ((peak.cpuSeconds - cpuAtReady) * 1e6) / (v.count + v.warmup),
      } : undefined,
      scrapes: scraper?.scrapes,
      when: new Date().toISOString(),
      machine: machineFacts(),
    } as RunResult;
  } finally {
    if (sampler) clearInterval(sampler);
    scraper?.stop();
    await Promise.all(children.reverse().map((c) => c.stop()));
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  // --n 100000[,1000000]: these sizes instead of the defaults.
  const counts = args.includes('--n') ? args[args.indexOf('--n') + 1].split(',').map(Number) : undefined;
  const rabbit = await rabbitReachable();
  // --warmup N: frames sent before each measured run (default 20000; 0 = measure a cold bus).
  const warmup = args.includes('--warmup') ? Number(args[args.indexOf('--warmup') + 1]) : 20_000;
  const list = variants(quick, rabbit, warmup, counts).filter((v) => !only || v.name.startsWith(only));
  if (!rabbit) console.error('RabbitMQ not reachable on 127.0.0.1:5672: RabbitMQ variants skipped');
  const results: RunResult[] = [];
  for (const v of list) {
    process.stderr.write(`${v.name} ... `);
    const r = await runVariant(v);
    results.push(r);
    process.stderr.write(`${Math.round(r.throughput).toLocaleString('en')} msg/s, lost ${r.lost}, p99 ${r.latency_us.p99.toFixed(0)} µs` +
      (r.bus ? `, peak RSS ${r.bus.peak_rss_mb.toFixed(0)} MB, CPU ${r.bus.cpu_seconds.toFixed(1)} s (${r.bus.cpu_us_per_indicator?.toFixed(0) ?? '?'} µs/indicator), startup ${r.bus.startup_ms.toFixed(0)} ms` : '') + '\n');
  }
  const outDir = join(ROOT, 'bench/results');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, quick ? 'quick.json' : only || counts ? 'partial.json' : 'latest.json');
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  if (!quick && !only && !counts) writeReport(results, ROOT, `npm run bench`);
  console.error(`results: ${file}`);
}

// bench/src/store.ts imports runVariant; only `node bench/dist/run.js` runs the suite.
if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
