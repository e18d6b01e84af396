/**
 * The metrics variant of `npm run bench` (docs/observability.md): scrape the
 * bus's /metrics while indicators flow, as Prometheus would (here every
 * 250 ms instead of 15 s, to see the run's shape), and draw what the
 * dashboard's first panels would show as an SVG.
 */
import { writeFileSync } from 'node:fs';

export interface MetricsSample {
  /** Seconds since the scraper started. */
  t: number;
  in_misp: number;
  out_zmq: number;
  dropped: number;
  queue_depth: number;
  rss_mb: number;
}

function series(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    if (!Object.entries(labels).every(([k, v]) => rest.includes(`${k}="${v}"`))) continue;
    total += Number(rest.slice(rest.lastIndexOf(' ') + 1));
  }
  return total;
}

export class MetricsScraper {
  readonly samples: MetricsSample[] = [];
  scrapes = 0;
  private timer?: NodeJS.Timeout;
  private readonly began = performance.now();

  constructor(private readonly url: string, private readonly everyMs = 250) {}

  start(): void {
    const tick = async () => {
      try {
        const text = await (await fetch(this.url)).text();
        this.scrapes++;
        this.samples.push({
          t: (performance.now() - this.began) / 1000,
          in_misp: series(text, 'threatbus_messages_in_total', { plugin: 'misp', type: 'indicator' }),
          out_zmq: series(text, 'threatbus_messages_out_total', { plugin: 'zmq', type: 'indicator' }),
          dropped: series(text, 'threatbus_messages_dropped_total'),
          queue_depth: series(text, 'threatbus_queue_depth'),
          rss_mb: series(text, 'process_resident_memory_bytes') / 2 ** 20,
        });
      } catch {
        // The bus is starting or stopping; the next tick tries again.
      }
      if (this.timer) this.timer = setTimeout(tick, this.everyMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** Rates (per second) between consecutive samples of a counter. */
function rates(samples: MetricsSample[], key: 'in_misp' | 'out_zmq'): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 1; i < samples.length; i++) {
    const dt = samples[i].t - samples[i - 1].t;
    if (dt > 0) out.push([samples[i].t, (samples[i][key] - samples[i - 1][key]) / dt]);
  }
  return out;
}

/** Two panels as the Grafana dashboard would draw them: intake vs delivered rate, and queue depth. */
export function writeMetricsChart(samples: MetricsSample[], file: string, title: string): void {
  const W = 760, H = 220, L = 70, R = 20, T = 30, B = 40;
  const panel = (y0: number, lines: { points: [number, number][]; color: string; label: string }[], unit: string): string => {
    const all = lines.flatMap((l) => l.points);
    const tMax = Math.max(1e-9, ...samples.map((s) => s.t));
    const vMax = Math.max(1, ...all.map((p) => p[1])) * 1.1;
    const x = (t: number) => L + ((W - L - R) * t) / tMax;
    const y = (v: number) => y0 + T + (H - T - B) * (1 - v / vMax);
    const ticks = [0, 0.5, 1].map((f) => `<text x="${L - 6}" y="${y(vMax * f) + 4}" text-anchor="end" font-size="11">${Math.round(vMax * f).toLocaleString('en')}</text>`).join('');
    const paths = lines.map((l, i) =>
      `<polyline fill="none" stroke="${l.color}" stroke-width="1.6" points="${l.points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>` +
      `<text x="${L + 10 + i * 220}" y="${y0 + 18}" font-size="12" fill="${l.color}">${l.label}</text>`).join('');
    return `<rect x="${L}" y="${y0 + T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#ccc"/>${ticks}${paths}` +
      `<text x="${L}" y="${y0 + H - 12}" font-size="11">0 s</text><text x="${W - R}" y="${y0 + H - 12}" font-size="11" text-anchor="end">${tMax.toFixed(1)} s</text>` +
      `<text x="14" y="${y0 + H / 2}" font-size="11" transform="rotate(-90 14 ${y0 + H / 2})" text-anchor="middle">${unit}</text>`;
  };
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${2 * H + 30}" font-family="sans-serif">` +
    `<text x="${L}" y="16" font-size="13" font-weight="bold">${title}</text>` +
    panel(10, [
      { points: rates(samples, 'in_misp'), color: '#1f77b4', label: 'in: misp indicators/s' },
      { points: rates(samples, 'out_zmq'), color: '#d62728', label: 'out: zmq app indicators/s' },
    ], 'messages/s') +
    panel(H + 20, [{ points: samples.map((s) => [s.t, s.queue_depth] as [number, number]), color: '#2ca02c', label: 'queue depth (all plugins)' }], 'messages') +
    '</svg>\n';
  writeFileSync(file, svg);
}
