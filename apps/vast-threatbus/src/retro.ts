/**
 * Retro matching (spec/vast-app.md §5.2): one VAST query per indicator, at
 * most `max_background_tasks` at once, each bounded by `retro_match_timeout`;
 * every result line becomes a RETRO sighting.
 */
import type { Indicator, Logger, Sighting } from 'threatbus';
import type { Backend } from './backend';
import type { AppMetrics } from './metrics';
import { describeCommand, run } from './process';
import { indicatorToQueryResult } from './query';
import { queryResultToSighting } from './sightings';
import { Semaphore } from './tasks';

export interface RetroOptions {
  backend: Backend;
  maxEvents: number;
  /** Seconds, 0 = none. */
  timeoutS: number;
  maxParallel: number;
  metrics: AppMetrics;
  logger: Logger;
  report: (s: Sighting) => void;
  signal: AbortSignal;
}

export class RetroMatcher {
  private readonly semaphore: Semaphore;
  /** Set once per session by the low-priority probe. */
  lowPriority = false;

  constructor(private readonly o: RetroOptions) {
    this.semaphore = new Semaphore(o.maxParallel);
  }

  /** Queries running now. */
  get running(): number {
    return this.o.maxParallel - this.semaphore.available;
  }

  /** Match one indicator retrospectively. The backlog gauge must already count it. */
  async match(indicator: Indicator): Promise<void> {
    const { metrics, logger } = this.o;
    try {
      const mapped = indicatorToQueryResult(indicator);
      if (!('query' in mapped)) {
        logger.debug(`No VAST query for indicator ${indicator.id} (${indicator.pattern}): ${mapped.skipped}`);
        return;
      }
      await this.semaphore.acquire();
      try {
        if (this.o.signal.aborted) return;
        await this.query(indicator, mapped.query);
      } finally {
        this.semaphore.release();
      }
    } finally {
      metrics.retroMatchBacklog.dec();
    }
  }

  private async query(indicator: Indicator, query: string): Promise<void> {
    const { backend, metrics, logger } = this.o;
    const cmd = backend.export(query, { maxEvents: this.o.maxEvents, lowPriority: this.lowPriority });
    const started = performance.now();
    const r = await run(cmd, { timeoutS: this.o.timeoutS, signal: this.o.signal });
    const elapsed = (performance.now() - started) / 1000;
    if (r.spawnError) {
      logger.error(`Cannot run retro-query for indicator ${indicator.id}: ${describeCommand(cmd)}: ${r.spawnError.message}`);
      return;
    }
    let text = r.stdout;
    if (r.timedOut) {
      // Report what arrived before the timeout (the original discarded it: spec/quirks.md F2); a cut-off last line is dropped.
      text = text.slice(0, text.lastIndexOf('\n') + 1);
      logger.error(`Timeout after ${this.o.timeoutS}s in retro-query for indicator ${indicator.id}; reporting the ${text.split('\n').filter((l) => l.trim()).length} result(s) received so far`);
    } else if (r.code !== 0) {
      if (this.o.signal.aborted) return;
      logger.error(`Retro-query for indicator ${indicator.id} failed (exit code ${r.code}): ${r.stderr.trim() || 'no error output'}`, { command: describeCommand(cmd) });
      return;
    }
    let n = 0;
    for (const raw of text.split('\n')) {
      const line = raw.trimEnd();
      if (!line) continue;
      const sighting = queryResultToSighting(line, indicator, logger);
      if (!sighting) continue;
      n++;
      this.o.report(sighting);
    }
    logger.debug(`Retro-matched ${n} sighting(s) for indicator: ${indicator.id}`);
    metrics.retroMatchesPerIoc.observe(n);
    metrics.retroQueryTimePerIoc.observe(elapsed);
  }
}
