/**
 * What happens to one attribute notification, whichever way it came in
 * (spec/misp.md §4.3): parse JSON, apply the whitelist, map to an Indicator,
 * publish. Bad input is logged with where it came from and the attribute's
 * uuid, then skipped; nothing here throws. Every notification that is not
 * published counts as `threatbus_messages_dropped_total{plugin="misp"}` with
 * its reason (docs/observability.md): `invalid` (not JSON, not a mappable
 * attribute), `filtered` (not whitelisted), `not_ids` (no IoC, e.g. `to_ids`
 * false), `error` (the bus refused it and it is not retried).
 */
import type { AppBus, DeliveryListener, Indicator, Logger, PluginMetrics } from 'threatbus';
import { mapAttribute, attributeUuid } from '../mapping/attribute';
import { isWhitelisted } from '../mapping/filter';
import type { MispFilter } from '../mapping/filter';

export interface IntakeCounters {
  received: number;
  published: number;
  /** Not whitelisted by the filters. */
  filtered: number;
  /** Mapped to nothing (e.g. `to_ids` false on add). */
  ignored: number;
  /** Not JSON or not a valid attribute. */
  invalid: number;
  /** The bus did not take the indicator. */
  failed: number;
}

/** `published`: on the bus; `dropped`: deliberately not published (filtered, invalid, no IoC); `failed`: the bus refused it. */
export type Outcome = 'published' | 'dropped' | 'failed';

export class AttributeHandler {
  readonly counters: IntakeCounters = { received: 0, published: 0, filtered: 0, ignored: 0, invalid: 0, failed: 0 };

  constructor(
    private readonly filters: readonly MispFilter[],
    private readonly bus: AppBus,
    private readonly logger: Logger,
    private readonly metrics: Pick<PluginMetrics, 'dropped'>,
  ) {}

  /**
   * Handle one notification; `where` names the source for log lines (e.g.
   * `zmq tcp://misp:50000`). With `onDelivered`, it hears `delivered(token)`
   * once every local subscriber has taken the indicator (only for outcome
   * `published`; see AppBus.publish).
   */
  async handle(text: string, where: string, onDelivered?: DeliveryListener, token?: number): Promise<Outcome> {
    const indicator = this.map(text, where);
    if (indicator === undefined) return 'dropped';
    try {
      await this.bus.publish(indicator, onDelivered ? { onDelivered, token } : undefined);
    } catch (e) {
      // Not a drop: the Kafka intake retries the message until the bus takes it.
      return this.failed(e, where, indicator);
    }
    return this.published(where, indicator);
  }

  /**
   * Like `handle`, but returns at once when the notification was dropped
   * (undefined) and otherwise the bus's promise, already handled (counted,
   * logged; it never rejects). For intakes that need no acknowledgement
   * (ZeroMQ): no await chain per message.
   */
  handleNoWait(text: string, where: string): Promise<Outcome> | undefined {
    const indicator = this.map(text, where);
    if (indicator === undefined) return undefined;
    let publishing: Promise<void>;
    try {
      publishing = this.bus.publish(indicator);
    } catch (e) {
      this.metrics.dropped('error');
      return Promise.resolve(this.failed(e, where, indicator));
    }
    return publishing.then(
      () => this.published(where, indicator),
      (e: unknown) => {
        this.metrics.dropped('error');
        return this.failed(e, where, indicator);
      },
    );
  }

  /** Parse, filter and map; undefined when the notification is dropped (counted and logged). */
  private map(text: string, where: string): Indicator | undefined {
    this.counters.received++;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch (e) {
      this.counters.invalid++;
      this.metrics.dropped('invalid');
      this.logger.error('Skipping MISP message that is not JSON', { source: where, error: (e as Error).message, text: text.slice(0, 200) });
      return undefined;
    }
    const attribute = (message as { Attribute?: unknown } | null)?.Attribute;
    if (!isWhitelisted(message, this.filters)) {
      this.counters.filtered++;
      this.metrics.dropped('filtered');
      if (this.logger.isDebugEnabled()) this.logger.debug('MISP attribute not whitelisted by the filters, dropped', { source: where, uuid: attributeUuid(attribute) });
      return undefined;
    }
    let indicator;
    try {
      indicator = mapAttribute(attribute, (message as { action?: unknown }).action);
    } catch (e) {
      this.counters.invalid++;
      this.metrics.dropped('invalid');
      this.logger.warn('Skipping MISP attribute that cannot be mapped to STIX', { source: where, uuid: attributeUuid(attribute), error: (e as Error).message });
      return undefined;
    }
    if (!indicator) {
      this.counters.ignored++;
      this.metrics.dropped('not_ids');
      if (this.logger.isDebugEnabled()) this.logger.debug('MISP attribute is not an IoC (to_ids false), dropped', { source: where, uuid: attributeUuid(attribute) });
      return undefined;
    }
    return indicator;
  }

  private published(where: string, indicator: Indicator): Outcome {
    this.counters.published++;
    if (this.logger.isDebugEnabled()) this.logger.debug('Published indicator from MISP', { source: where, id: indicator.id, remove: indicator.x_threatbus_update === 'REMOVE' });
    return 'published';
  }

  private failed(e: unknown, where: string, indicator: Indicator): Outcome {
    this.counters.failed++;
    this.logger.error('Could not publish indicator from MISP', { source: where, uuid: indicator.id.slice('indicator--'.length), error: (e as Error).message });
    return 'failed';
  }
}
