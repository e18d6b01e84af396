/**
 * Stream events → the bus: maps each event (mapping.ts), publishes the
 * indicators, counts what was ignored, and remembers which indicator ids
 * came from OpenCTI (sightings of those are reported without asking first).
 */
import type { AppBus, Logger, PluginMetrics } from 'threatbus';
import { mapStreamEvent } from './mapping';
import type { MappingOptions } from './mapping';
import { RateLimitedWarning } from './rate-limit';

export interface IntakeCounters {
  /** Indicators put on the bus (removals included). */
  published: number;
  /** Of those, removals. */
  removed: number;
  /** Indicators not forwarded (created revoked, or detection off with `detection_only`). */
  filtered: number;
  /** Events about other object types, per STIX type. */
  ignored: Record<string, number>;
  /** Events that could not be used (logged, rate-limited). */
  malformed: number;
}

/** Ids kept for the sighting shortcut; older ones are forgotten (and looked up by GraphQL instead). */
const KNOWN_IDS_MAX = 100_000;

export class IntakeHandler {
  readonly counters: IntakeCounters = { published: 0, removed: 0, filtered: 0, ignored: {}, malformed: 0 };
  private readonly known = new Set<string>();
  private readonly malformed: RateLimitedWarning;

  constructor(
    private readonly bus: AppBus,
    private readonly options: MappingOptions,
    private readonly logger: Logger,
    private readonly metrics: Pick<PluginMetrics, 'dropped'>,
  ) {
    this.malformed = new RateLimitedWarning(logger, 'Skipping a malformed OpenCTI event');
  }

  /** Whether `id` is an indicator id this plugin saw from OpenCTI. */
  isKnown(id: string): boolean {
    return this.known.has(id);
  }

  remember(id: string): void {
    if (this.known.size >= KNOWN_IDS_MAX) this.known.delete(this.known.values().next().value as string);
    this.known.add(id);
  }

  async handle(event: string, data: string, where: string): Promise<void> {
    const outcome = mapStreamEvent(event, data, this.options);
    switch (outcome.kind) {
      case 'ignored':
        this.counters.ignored[outcome.objectType] = (this.counters.ignored[outcome.objectType] ?? 0) + 1;
        this.metrics.dropped('filtered');
        return;
      case 'filtered':
        this.counters.filtered++;
        this.metrics.dropped('filtered');
        this.logger.debug('Not forwarding an OpenCTI indicator: revoked, or detection off with detection_only', { id: outcome.id, where });
        return;
      case 'malformed':
        this.counters.malformed++;
        this.metrics.dropped('invalid');
        this.malformed.warn(`${where}: ${outcome.reason}`);
        return;
      case 'publish':
        for (const indicator of outcome.indicators) {
          // A removed indicator may be gone from OpenCTI: its sightings are checked again.
          if (indicator.x_threatbus_update === 'REMOVE') this.known.delete(indicator.id);
          else this.remember(indicator.id);
          // The core counts threatbus_messages_in_total on publish.
          await this.bus.publish(indicator);
          this.counters.published++;
          if (indicator.x_threatbus_update === 'REMOVE') this.counters.removed++;
        }
        if (this.logger.isDebugEnabled()) this.logger.debug('Forwarded OpenCTI event', { where, event, ids: outcome.indicators.map((i) => i.id) });
    }
  }

  flush(): void {
    this.malformed.flush();
  }
}
