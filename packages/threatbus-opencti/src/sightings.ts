/**
 * Sightings from the bus → OpenCTI (spec/opencti.md §2): a
 * `stix2/sighting` of an indicator OpenCTI knows becomes a sighting
 * relationship of that indicator (`fromId`) sighted by the organization
 * `entity_name` (`toId`, also `createdBy`), as the old connector wrote it,
 * with first/last seen, count, and the bus sighting's context in the
 * description (the old connector dropped it).
 *
 * Each sighting is delivered on its own with retries (exponential backoff
 * from `retry_delay`, capped at 60 s, for at most `retry_for` seconds), a
 * few at once, so one sighting OpenCTI keeps refusing does not hold up the
 * others. OpenCTI merges repeated sightings of one indicator by one
 * organization within 30 days into one, adding the counts (§2.2).
 */
import { isJsonObject, BoundedTasks, MessageQueue, retryWithBackoff, warnOnOverflow } from 'threatbus';
import type { Logger, Message, PluginMetrics, Sighting } from 'threatbus';
import type { OpenCtiClient } from './client';
import type { OpenCtiConfig } from './config';
import { ADD_ORGANIZATION, ADD_SIGHTING, filterGroup, FIND_INDICATOR, FIND_ORGANIZATION } from './graphql';

export interface SightingCounters {
  /** Accepted by OpenCTI. */
  sent: number;
  /** Given up on after retrying for `retry_for` seconds, or pending at shutdown. */
  failed: number;
  /** Attempts that failed and were retried. */
  retries: number;
  /** Not reportable: not of an indicator, or of one OpenCTI does not know. */
  skipped: number;
}

const MAX_IN_FLIGHT = 4;

/** The bus sighting's context, for the relationship's description. */
export function sightingDescription(s: Sighting, entityName: string): string {
  const parts = [`Reported through ${entityName}`];
  if (s.x_threatbus_source !== undefined) parts.push(`source: ${String(s.x_threatbus_source)}`);
  if (s.x_threatbus_match_type !== undefined) parts.push(`match: ${String(s.x_threatbus_match_type)}`);
  if (s.x_threatbus_indicator_value !== undefined) parts.push(`value: ${String(s.x_threatbus_indicator_value)}`);
  if (s.where_sighted_refs?.length) parts.push(`where sighted: ${s.where_sighted_refs.join(', ')}`);
  let text = parts.join('; ');
  if (s.description) text += `\n${s.description}`;
  if (s.x_threatbus_sighting_context !== undefined) text += `\ncontext: ${JSON.stringify(s.x_threatbus_sighting_context)}`;
  return text;
}

/** The `StixSightingRelationshipAddInput` for a bus sighting (first_seen ≤ last_seen, or OpenCTI refuses it, §2.2). */
export function sightingInput(s: Sighting, organizationId: string, entityName: string): Record<string, unknown> {
  let first = s.first_seen ?? s.last_seen ?? s.created;
  let last = s.last_seen ?? s.first_seen ?? s.created;
  if (Date.parse(first) > Date.parse(last)) [first, last] = [last, first];
  return {
    fromId: s.sighting_of_ref,
    toId: organizationId,
    createdBy: organizationId,
    first_seen: first,
    last_seen: last,
    attribute_count: typeof s.count === 'number' && Number.isInteger(s.count) && s.count > 0 ? s.count : 1,
    description: sightingDescription(s, entityName),
    x_opencti_negative: false,
  };
}

export class SightingReporter {
  readonly queue: MessageQueue<Message>;
  readonly counters: SightingCounters = { sent: 0, failed: 0, retries: 0, skipped: 0 };
  private readonly abort = new AbortController();
  private readonly inFlight: BoundedTasks;
  private loop?: Promise<void>;
  private organization?: Promise<string>;

  constructor(
    private readonly client: OpenCtiClient,
    private readonly config: Pick<OpenCtiConfig, 'entity_name' | 'entity_description' | 'sightings'>,
    /** Ids this plugin saw from OpenCTI: reported without asking OpenCTI first. */
    private readonly isKnownIndicator: (id: string) => boolean,
    private readonly logger: Logger,
    private readonly metrics: Pick<PluginMetrics, 'messageOut' | 'dropped'>,
  ) {
    this.queue = new MessageQueue({ onOverflow: warnOnOverflow(logger, 'opencti sightings') });
    this.inFlight = new BoundedTasks(MAX_IN_FLIGHT);
  }

  start(): void {
    this.loop = this.run();
    // Found or created once at start; a failure here is retried with the first sighting.
    this.organizationId().catch((e: Error) =>
      this.logger.warn(`Cannot find or create the organization '${this.config.entity_name}' in OpenCTI yet; sightings will retry`, { error: e.message }),
    );
  }

  async stop(): Promise<void> {
    this.queue.close();
    this.queue.clear();
    this.abort.abort(new Error('plugin stopping'));
    await this.loop;
    await this.inFlight.settled();
  }

  /** The internal id of the organization `entity_name`, looked up (or created) once. */
  organizationId(): Promise<string> {
    this.organization ??= this.findOrCreateOrganization().catch((e: unknown) => {
      this.organization = undefined;
      throw e;
    });
    return this.organization;
  }

  private async findOrCreateOrganization(): Promise<string> {
    const name = this.config.entity_name;
    const found = await this.client.graphql(FIND_ORGANIZATION, { filters: filterGroup([{ key: 'name', values: [name] }]) }, this.abort.signal);
    const edges = isJsonObject(found.identities) && Array.isArray(found.identities.edges) ? found.identities.edges : [];
    const node = edges.map((e) => (isJsonObject(e) && isJsonObject(e.node) ? e.node : undefined)).find((n) => typeof n?.id === 'string');
    if (node) {
      this.logger.info('Reporting sightings to OpenCTI as an existing organization', { name, id: node.id });
      return node.id as string;
    }
    const created = await this.client.graphql(ADD_ORGANIZATION, { input: { name, description: this.config.entity_description } }, this.abort.signal);
    const org = isJsonObject(created.organizationAdd) ? created.organizationAdd : undefined;
    if (typeof org?.id !== 'string') throw new Error('organizationAdd returned no id');
    this.logger.info('Created the organization that reports sightings to OpenCTI', { name, id: org.id });
    return org.id;
  }

  private async run(): Promise<void> {
    for await (const message of this.queue) {
      if (this.abort.signal.aborted) break;
      if (message.type !== 'sighting' || !message.sighting_of_ref.startsWith('indicator--')) {
        this.counters.skipped++;
        this.metrics.dropped('not_mappable');
        this.logger.debug('Not reporting a sighting to OpenCTI: it is not of an indicator', { sighting_id: (message as { id?: unknown }).id });
        continue;
      }
      await this.inFlight.start(() => this.deliver(message));
    }
  }

  /** One attempt: true when reported, false when OpenCTI does not know the indicator. */
  private async reportOnce(s: Sighting): Promise<boolean> {
    const organizationId = await this.organizationId();
    if (!this.isKnownIndicator(s.sighting_of_ref)) {
      const found = await this.client.graphql(FIND_INDICATOR, { id: s.sighting_of_ref }, this.abort.signal);
      if (!isJsonObject(found.indicator)) return false;
    }
    const answer = await this.client.graphql(ADD_SIGHTING, { input: sightingInput(s, organizationId, this.config.entity_name) }, this.abort.signal);
    if (!isJsonObject(answer.stixSightingRelationshipAdd)) throw new Error('stixSightingRelationshipAdd returned nothing');
    return true;
  }

  private async deliver(s: Sighting): Promise<void> {
    const { retry_for, retry_delay } = this.config.sightings;
    const meta = { sighting_id: s.id, indicator: s.sighting_of_ref };
    const outcome = await retryWithBackoff(() => this.reportOnce(s), {
      initialDelayMs: retry_delay * 1000,
      retryForMs: retry_for * 1000,
      signal: this.abort.signal,
      onRetry: (e, attempt, delay) => {
        this.counters.retries++;
        const log = attempt === 1 ? this.logger.warn.bind(this.logger) : this.logger.debug.bind(this.logger);
        log('Failed to report sighting to OpenCTI, will retry', { ...meta, attempt, retry_in_s: delay / 1000, error: errorText(e) });
      },
    });
    if (outcome.status === 'done' && outcome.value) {
      this.counters.sent++;
      this.metrics.messageOut('sighting');
      this.logger.debug('Reported sighting to OpenCTI', { ...meta, attempt: outcome.attempts });
    } else if (outcome.status === 'done') {
      this.counters.skipped++;
      this.metrics.dropped('not_mappable');
      this.logger.debug('Not reporting a sighting to OpenCTI: it does not know the indicator', meta);
    } else {
      this.counters.failed++;
      this.metrics.dropped('error');
      if (outcome.status === 'gave-up') this.logger.error('Failed to report sighting to OpenCTI, giving up', { ...meta, attempts: outcome.attempts, error: errorText(outcome.error) });
      else this.logger.warn('Sighting not reported to OpenCTI: the plugin stopped while it was pending', meta);
    }
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
