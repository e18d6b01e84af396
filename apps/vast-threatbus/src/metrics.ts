/**
 * Metrics as the original (spec/vast-app.md §9): gauges, summaries and the
 * "infinite" backlog gauge, written as one Influx line per interval.
 */
import { appendFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Logger } from 'threatbus';

/** Python's `sys.maxsize` on 64-bit CPython: the summary minimum before the first observation. */
export const PY_MAXSIZE = 9223372036854775807n;

export interface Metric {
  readonly name: string;
  /** Touched since the last write. */
  readonly isSet: boolean;
  /** `name=value` fields for the line. */
  fields(): string[];
  reset(): void;
}

/** Python `str()` of a number: ints plain, floats with at least one decimal (`1.0`, `0.5`). */
export function pyNumber(n: number | bigint): string {
  if (typeof n === 'bigint') return n.toString();
  if (Number.isInteger(n)) return String(n);
  const s = String(n);
  // JS prints 1e-7 where Python prints 1e-07.
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Python `str()` of a float: always with a decimal point or exponent. */
export function pyFloat(n: number): string {
  const s = pyNumber(n);
  return /[.e]/.test(s) || !Number.isFinite(n) ? s : `${s}.0`;
}

export class Gauge implements Metric {
  value = 0;
  /** Everything ever added, never reset: what the Prometheus endpoint serves as a counter. */
  total = 0;
  isSet = false;
  constructor(readonly name: string) {}
  inc(n = 1): void {
    this.value += n;
    this.total += n;
    this.isSet = true;
  }
  dec(n = 1): void {
    this.value -= n;
    this.isSet = true;
  }
  fields(): string[] {
    return [`${this.name}=${pyNumber(this.value)}`];
  }
  reset(): void {
    this.value = 0;
    this.isSet = false;
  }
}

/** A gauge that survives resets and counts as untouched whenever it is back at 0. */
export class InfiniteGauge extends Gauge {
  override inc(n = 1): void {
    super.inc(n);
    if (this.value === 0) this.isSet = false;
  }
  override dec(n = 1): void {
    super.dec(n);
    if (this.value === 0) this.isSet = false;
  }
  override reset(): void {
    // Intentionally nothing: the backlog is a level, not a per-interval count.
  }
}

export class Summary implements Metric {
  sum = 0;
  count = 0;
  /** `null` = no observation yet (printed as Python's maxsize, like the original). */
  private minimum: number | null = null;
  max = 0;
  isSet = false;
  /** Observations and their sum since start, never reset (the Prometheus endpoint's counters). */
  totalCount = 0;
  totalSum = 0;
  /** `float`: values are Python floats (printed `1.0`, not `1`), like the original's query times. */
  constructor(readonly name: string, private readonly float = false) {}
  get min(): number | bigint {
    return this.minimum ?? PY_MAXSIZE;
  }
  get avg(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }
  observe(v: number): void {
    this.totalCount += 1;
    this.totalSum += v;
    this.sum += v;
    this.count += 1;
    this.minimum = this.minimum === null ? v : Math.min(this.minimum, v);
    this.max = Math.max(this.max, v);
    this.isSet = true;
  }
  fields(): string[] {
    // avg is a float in Python (division), even when whole: 1.5, 5.0.
    const num = (n: number | bigint) => (this.float && typeof n === 'number' ? pyFloat(n) : pyNumber(n));
    return [`${this.name}_min=${num(this.min)}`, `${this.name}_max=${num(this.max)}`, `${this.name}_avg=${pyFloat(this.avg)}`];
  }
  reset(): void {
    this.sum = 0;
    this.count = 0;
    this.minimum = null;
    this.max = 0;
    this.isSet = false;
  }
}

/** The metrics of one app run (spec §9 table), in output order. */
export class AppMetrics {
  readonly addedIocs = new Gauge('added_iocs');
  readonly removedIocs = new Gauge('removed_iocs');
  readonly retroMatchesPerIoc = new Summary('retro_matches_per_ioc');
  readonly retroQueryTimePerIoc = new Summary('retro_query_time_per_ioc', true);
  readonly retroMatchBacklog = new InfiniteGauge('retro_match_backlog');
  readonly liveMatcherSightings = new Gauge('live_matcher_sightings');
  readonly list: Metric[];

  // Built once per process, so restarts do not duplicate fields (spec/quirks.md F5).
  constructor(options: { retro: boolean; live: boolean }) {
    this.list = [this.addedIocs, this.removedIocs];
    if (options.retro) this.list.push(this.retroMatchesPerIoc, this.retroQueryTimePerIoc, this.retroMatchBacklog);
    if (options.live) this.list.push(this.liveMatcherSightings);
  }
}

/**
 * The Influx line for the touched metrics, or null when none was touched.
 * Resets every metric afterwards (the backlog ignores resets).
 */
export function metricsLine(metrics: readonly Metric[], host: string, timeNs: bigint): string | null {
  const touched = metrics.filter((m) => m.isSet);
  if (touched.length === 0) return null;
  const fields = touched.flatMap((m) => m.fields()).join(',');
  for (const m of metrics) m.reset();
  return `vast-threatbus,host=${host} ${fields} ${timeNs}`;
}

/** Current time in Unix nanoseconds. */
export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** Appends a metrics line every `intervalS` seconds while running. */
export class MetricsWriter {
  private timer?: NodeJS.Timeout;
  private pending: Promise<void> = Promise.resolve();
  constructor(
    private readonly metrics: AppMetrics,
    private readonly filename: string,
    private readonly intervalS: number,
    private readonly logger: Logger,
    private readonly host = hostname(),
  ) {}

  start(): void {
    if (this.intervalS <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      this.pending = this.pending.then(() => this.writeOnce());
    }, this.intervalS * 1000);
  }

  /** Write one line now (if anything was touched). */
  async writeOnce(): Promise<void> {
    const line = metricsLine(this.metrics.list, this.host, nowNs());
    if (line === null) return;
    try {
      await appendFile(this.filename, line + '\n');
    } catch (e) {
      this.logger.error(`Cannot write metrics to ${this.filename}: ${(e as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.pending;
  }
}
