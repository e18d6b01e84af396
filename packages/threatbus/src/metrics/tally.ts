/**
 * Counts kept as plain numbers on the hot path and handed to prom-client
 * only when it collects (at scrape time). prom-client's `counter.inc()`
 * hashes the label set on every call, also through `labels(...)`: about
 * 250 ns per message on the bench machine, a few per cent of the bus's whole
 * work per MISP notification (docs/observability.md, bench/src/metrics-cost.ts).
 * Adding to a number here costs a few ns.
 */
import type { Counter } from 'prom-client';

/** One series: add to `value`; the counter hears the difference at the next collect. */
export interface TallyCell {
  value: number;
}

interface Series extends TallyCell {
  labels: Record<string, string>;
  reported: number;
  announced: boolean;
}

export class Tally {
  private readonly series = new Map<string, Series>();

  /** The cell of the series with `labels` (created at 0, reported as 0 at the next collect). */
  cell(labels: Record<string, string>): TallyCell {
    const key = Object.entries(labels)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}\u0000${v}`)
      .join('\u0001');
    let s = this.series.get(key);
    if (!s) {
      s = { labels, value: 0, reported: 0, announced: false };
      this.series.set(key, s);
    }
    return s;
  }

  /** Hand what was counted since the last call to `counter` (from its `collect`). */
  flush(counter: Counter<string>): void {
    for (const s of this.series.values()) {
      const delta = s.value - s.reported;
      if (delta > 0 || !s.announced) counter.inc(s.labels, Math.max(0, delta));
      s.reported = s.value;
      s.announced = true;
    }
  }
}
