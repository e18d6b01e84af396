/**
 * Reporting sightings (spec/vast-app.md §6): in order, one at a time,
 * through `transform_context` if configured, then to the sink or to Threat
 * Bus as `stix2/sighting <JSON>`.
 */
import type { Logger, Sighting } from 'threatbus';
import { isStdoutSink, sendToSink, transformContext } from './transform';

/** Sends one sighting to Threat Bus on `stix2/sighting`; throws when that is impossible. */
export type SightingPublisher = (s: Sighting) => Promise<void>;

export interface ReporterOptions {
  logger: Logger;
  transformContext: string | null;
  sink: string | null;
  stdout?: (line: string) => void;
  /** Most sightings kept while Threat Bus is unreachable; older ones are dropped first (logged). */
  capacity?: number;
}

export class Reporter {
  private readonly queue: Sighting[] = [];
  private publisher: SightingPublisher | null = null;
  private working = false;
  private idleWaiters: (() => void)[] = [];
  private dropped = 0;

  constructor(private readonly o: ReporterOptions) {}

  /** Where sightings go when there is no sink; null while Threat Bus is not connected (sightings wait). */
  setPublisher(p: SightingPublisher | null): void {
    this.publisher = p;
    if (p) this.kick();
  }

  report(s: Sighting): void {
    const capacity = this.o.capacity ?? 10_000;
    if (this.queue.length >= capacity) {
      this.queue.shift();
      if (this.dropped++ % 1000 === 0) this.o.logger.warn(`Sighting queue full (${capacity}); dropping the oldest sightings`);
    }
    this.queue.push(s);
    this.kick();
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Resolves when the queue is empty and nothing is being sent. */
  idle(): Promise<void> {
    if (!this.working && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private canSend(): boolean {
    return this.o.sink !== null || this.publisher !== null;
  }

  private kick(): void {
    if (this.working || !this.canSend()) return;
    this.working = true;
    void this.drain().finally(() => {
      this.working = false;
      if (this.queue.length > 0 && this.canSend()) this.kick();
      else if (this.queue.length === 0) for (const w of this.idleWaiters.splice(0)) w();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && this.canSend()) {
      const s = this.queue[0];
      const ok = await this.send(s);
      if (!ok) return; // publisher gone: keep the sighting for the next session
      this.queue.shift();
    }
  }

  /** False only when there is no publisher (the sighting stays queued). */
  private async send(original: Sighting): Promise<boolean> {
    const { logger } = this.o;
    let s: Sighting | null = original;
    if (this.o.transformContext) {
      s = await transformContext(original, this.o.transformContext, logger);
      if (!s) return true;
    }
    if (this.o.sink !== null) {
      await sendToSink(s, { sink: this.o.sink, logger, stdout: this.o.stdout });
      logger.debug(`Reported sighting to sink: ${s.id}`);
      return true;
    }
    const publish = this.publisher;
    if (!publish) return false;
    try {
      await publish(s);
    } catch (e) {
      logger.error(`Cannot send sighting ${s.id} to Threat Bus: ${(e as Error).message}`);
      return true;
    }
    logger.debug(`Reported sighting: ${s.id}`);
    return true;
  }
}

export { isStdoutSink };
