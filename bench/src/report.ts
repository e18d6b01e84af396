/** Benchmark results: machine facts, the Markdown table and the SVG plot in docs/. */
import { cpus, totalmem, release } from 'node:os';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Latency { p50: number; p90: number; p99: number; max: number }

export interface RunResult {
  name: string;
  kind: 'bus' | 'ceiling';
  backbone: string;
  count: number;
  subscribers: number;
  rate: number;
  /** Frames sent before the measured run and not counted. */
  warmup?: number;
  sent: number;
  publisher_seconds: number;
  /** Slowest subscriber: received / (its last receive − first send). */
  throughput: number;
  lost: number;
  latency_us: Latency;
  subscribers_detail: { received: number; lost: number; throughput: number; latency_us: Latency }[];
  /**
   * cpu_seconds: the bus process's whole life (startup included); cpu_us_per_indicator: its CPU
   * from ready to the end, per frame (warm-up included), the steadiest measure of the bus's own cost
   * on a shared machine, where throughput also depends on what else gets the cores.
   */
  bus?: { startup_ms: number; peak_rss_mb: number; end_rss_mb: number; cpu_seconds: number; cpu_us_per_indicator?: number };
  /** Metrics variants: how many times /metrics was scraped during the run. */
  scrapes?: number;
  when: string;
  machine: ReturnType<typeof machineFacts>;
}

export function machineFacts() {
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memory_gb: Math.round(totalmem() / 2 ** 30), kernel: release(), node: process.version };
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');
const ms = (us: number) => fmt(us / 1000, 2);

export function markdownTable(results: RunResult[]): string {
  const rows = results.map((r) => {
    const rate = r.rate ? `${fmt(r.rate)}/s` : 'burst';
    const bus = r.bus;
    return `| ${r.name} | ${r.backbone} | ${fmt(r.count)} | ${r.subscribers} | ${rate} | **${fmt(r.throughput)}** | ${fmt(r.lost)} | ${ms(r.latency_us.p50)} | ${ms(r.latency_us.p90)} | ${ms(r.latency_us.p99)} | ${ms(r.latency_us.max)} | ${bus ? fmt(bus.peak_rss_mb) : '–'} | ${bus ? fmt(bus.cpu_seconds, 1) : '–'} | ${bus?.cpu_us_per_indicator !== undefined ? fmt(bus.cpu_us_per_indicator) : '–'} | ${bus ? fmt(bus.startup_ms) : '–'} |`;
  });
  return [
    '| run | backbone | indicators | subscribers | send rate | indicators/s | lost | p50 ms | p90 ms | p99 ms | max ms | bus peak RSS MB | bus CPU s | bus CPU µs/indicator | bus startup ms |',
    '|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

/** Horizontal bars: throughput per run, bus runs next to the transport ceiling. */
export function throughputSvg(results: RunResult[]): string {
  const bars = results.filter((r) => r.rate === 0);
  const max = Math.max(...bars.map((r) => r.throughput), 1);
  const rowH = 26;
  const left = 230;
  const width = 760;
  const height = 40 + bars.length * rowH + 30;
  const scale = (v: number) => ((width - left - 90) * v) / max;
  const items = bars.map((r, i) => {
    const y = 40 + i * rowH;
    const colour = r.kind === 'ceiling' ? '#9aa5b1' : r.backbone === 'rabbitmq' ? '#e07b39' : '#2f6fb0';
    return `<text x="${left - 8}" y="${y + 16}" text-anchor="end" font-size="12">${r.name}</text>` +
      `<rect x="${left}" y="${y + 4}" width="${scale(r.throughput).toFixed(1)}" height="${rowH - 8}" fill="${colour}"/>` +
      `<text x="${left + scale(r.throughput) + 6}" y="${y + 16}" font-size="12">${fmt(r.throughput)}/s</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">Indicators per second, end to end (grey: raw ZeroMQ ceiling, blue: in-memory, orange: RabbitMQ)</text>` +
    items.join('') + `</svg>\n`;
}

const BEGIN = '<!-- bench:results:begin -->';
const END = '<!-- bench:results:end -->';

/** Rewrite the generated part of docs/benchmarks.md and the plot; hand-written text around the markers stays. */
export function writeReport(results: RunResult[], root: string, command: string): void {
  const doc = join(root, 'docs/benchmarks.md');
  const m = results[0]?.machine;
  const generated = [
    BEGIN,
    `Produced by \`${command}\` on ${results[0]?.when.slice(0, 10)}: ${m?.cores} × ${m?.cpu}, ${m?.memory_gb} GB RAM, Linux ${m?.kernel}, Node.js ${m?.node}. Raw results: [bench/results/latest.json](../bench/results/latest.json).`,
    '',
    markdownTable(results),
    '',
    '![throughput](benchmarks-throughput.svg)',
    END,
  ].join('\n');
  const current = existsSync(doc) ? readFileSync(doc, 'utf8') : `# Benchmarks\n\n${BEGIN}\n${END}\n`;
  const next = current.includes(BEGIN) ? current.replace(new RegExp(`${BEGIN}[\\s\\S]*${END}`), generated) : `${current}\n${generated}\n`;
  writeFileSync(doc, next);
  writeFileSync(join(root, 'docs/benchmarks-throughput.svg'), throughputSvg(results));
}
