/**
 * Live matching through VAST's matcher plugin (spec/vast-app.md §5.3):
 * indicators go in with `matcher add`, withdrawn ones out with
 * `matcher remove`, and `matcher attach json` streams matches, each one a
 * LIVE sighting.
 *
 * Unlike the original, an exiting attach process is re-attached (after a
 * pause, while the app runs) instead of terminating the program (spec/quirks.md F12).
 */
import type { ChildProcess } from 'node:child_process';
import type { Indicator, Logger, Sighting } from 'threatbus';
import type { MatcherCommands } from './backend';
import type { AppMetrics } from './metrics';
import { describeCommand, run, spawnLines, terminate } from './process';
import { indicatorToMatcherIocs, indicatorToQueryResult } from './query';
import { matcherResultToSighting } from './sightings';
import { sleep } from './tasks';

export interface LiveOptions {
  commands: MatcherCommands;
  matcher: string;
  metrics: AppMetrics;
  logger: Logger;
  report: (s: Sighting) => void;
  /** Pause before re-attaching after the attach process ended, ms. */
  reattachDelayMs: number;
}

export class LiveMatcher {
  private child?: ChildProcess;

  constructor(private readonly o: LiveOptions) {}

  private iocsOrSkip(indicator: Indicator, what: string) {
    const iocs = indicatorToMatcherIocs(indicator);
    if (!iocs) {
      const r = indicatorToQueryResult(indicator);
      const why = 'skipped' in r ? r.skipped : 'only point IoCs and OR-combinations of them fit the matcher';
      this.o.logger.debug(`Unable to ${what} VAST matcher: indicator ${indicator.id} (${indicator.pattern}) has no VAST compatible IoC: ${why}`);
    }
    return iocs;
  }

  async ingest(indicator: Indicator): Promise<void> {
    for (const ioc of this.iocsOrSkip(indicator, 'add to') ?? []) {
      const cmd = this.o.commands.add(this.o.matcher, ioc.value, ioc.reference);
      const r = await run(cmd);
      if (r.spawnError || r.code !== 0) {
        this.o.logger.error(`Cannot add IoC '${ioc.value}' of indicator ${indicator.id} to VAST matcher '${this.o.matcher}': ${r.spawnError?.message ?? r.stderr.trim() ?? `exit code ${r.code}`}`);
      } else {
        this.o.logger.debug(`Added IoC '${ioc.value}' (${ioc.type}) to VAST matcher '${this.o.matcher}'`);
      }
    }
  }

  async remove(indicator: Indicator): Promise<void> {
    for (const ioc of this.iocsOrSkip(indicator, 'remove from') ?? []) {
      const cmd = this.o.commands.remove(this.o.matcher, ioc.value);
      const r = await run(cmd);
      if (r.spawnError || r.code !== 0) {
        this.o.logger.error(`Cannot remove IoC '${ioc.value}' of indicator ${indicator.id} from VAST matcher '${this.o.matcher}': ${r.spawnError?.message ?? r.stderr.trim()}`);
      } else {
        this.o.logger.debug(`Removed IoC '${ioc.value}' from VAST matcher '${this.o.matcher}'`);
      }
    }
  }

  /** Attach to the matcher until `signal` aborts, re-attaching whenever the process ends. */
  async attach(signal: AbortSignal): Promise<void> {
    const { logger } = this.o;
    const cmd = this.o.commands.attach(this.o.matcher);
    while (!signal.aborted) {
      let started: ReturnType<typeof spawnLines>;
      try {
        started = spawnLines(cmd, (line) => this.onLine(line));
      } catch (e) {
        logger.error(`Cannot start VAST matcher process ${describeCommand(cmd)}: ${(e as Error).message}`);
        await sleep(this.o.reattachDelayMs, signal);
        continue;
      }
      this.child = started.child;
      const onAbort = () => terminate(started.child);
      signal.addEventListener('abort', onAbort, { once: true });
      const r = await started.done;
      signal.removeEventListener('abort', onAbort);
      this.child = undefined;
      if (signal.aborted) break;
      const why = r.spawnError?.message ?? (r.stderr.trim() || `exit code ${r.code}`);
      logger.error(`VAST matcher process exited with message: ${why}; re-attaching in ${this.o.reattachDelayMs / 1000}s`);
      await sleep(this.o.reattachDelayMs, signal);
    }
  }

  private onLine(line: string): void {
    const sighting = matcherResultToSighting(line, this.o.logger);
    if (!sighting) return;
    this.o.metrics.liveMatcherSightings.inc();
    this.o.logger.info('Got a new sighting from VAST', { sighting_of_ref: sighting.sighting_of_ref });
    this.o.report(sighting);
  }

  get attached(): boolean {
    return this.child !== undefined;
  }
}
