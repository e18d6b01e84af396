/**
 * The MISP app: attributes in over ZeroMQ or Kafka → `stix2/indicator`;
 * `stix2/sighting` → MISP's REST API; indicator snapshots from a REST search.
 *
 * Changes from the original's lifecycle (spec/misp.md §3): an unreachable MISP at
 * start no longer disables the whole plugin (spec/quirks.md C4): intake runs, the API
 * is probed in the background and sightings retry; without an `api` section
 * the plugin does not subscribe to sightings at all (C5).
 *
 * Metrics (docs/observability.md, README): drops by reason, sightings
 * delivered, the peers `zmq` or `kafka` and `api` (readiness waits for them),
 * the sightings queue's depth and each snapshot's duration.
 */
import { sleepUnlessAborted, Topic } from 'threatbus';
import type { AppContext, AppPlugin, SnapshotReply, SnapshotRequest } from 'threatbus';
import { checkIntake } from './config';
import type { MispConfig } from './config';
import { MispClient } from './api/client';
import { SightingReporter } from './api/sightings';
import type { SightingCounters } from './api/sightings';
import { answerSnapshot, SearchSlots } from './api/snapshot';
import { AttributeHandler } from './intake/handler';
import type { IntakeCounters } from './intake/handler';
import { ZmqReceiver } from './intake/zmq';
import { KafkaReceiver } from './intake/kafka';

/** Between two probes of an API that does not answer: from 1 s, doubling, up to 30 s. */
const API_PROBE_MIN_MS = 1_000;
const API_PROBE_MAX_MS = 30_000;

export class MispApp implements AppPlugin {
  private readonly handler: AttributeHandler;
  private readonly zmq?: ZmqReceiver;
  private readonly kafka?: KafkaReceiver;
  private readonly client?: MispClient;
  private readonly reporter?: SightingReporter;
  private readonly abort = new AbortController();
  private readonly background = new Set<Promise<unknown>>();
  /** restSearch calls in flight over all snapshot requests (api.max_concurrent_searches). */
  readonly searchSlots: SearchSlots;
  private started = false;

  constructor(private readonly ctx: AppContext<MispConfig>) {
    const { config, logger, bus } = ctx;
    checkIntake(config);
    this.handler = new AttributeHandler(config.filter ?? [], bus, logger, ctx.metrics);
    // Kafka commits an offset only after its message was handed over, so it waits for the bus;
    // ZeroMQ has nothing to acknowledge.
    if (config.zmq) this.zmq = new ZmqReceiver(config.zmq, (json, where) => this.handler.handleNoWait(json, where), logger, ctx.metrics);
    else if (config.kafka) {
      this.kafka = new KafkaReceiver(config.kafka, (json, where, onDelivered, token) => this.handler.handle(json, where, onDelivered, token), logger, (up, detail) => ctx.metrics.peer('kafka', up, detail));
    }
    // received = messages_in{type="indicator"} + messages_dropped: every notification is accounted for.
    ctx.metrics.sampled('threatbus_misp_received_total', 'Attribute notifications received from MISP (ZeroMQ messages or Kafka records)', 'counter', () =>
      this.zmq ? this.zmq.counters.frames : (this.kafka?.consumed ?? 0),
    );
    this.searchSlots = new SearchSlots(config.api?.max_concurrent_searches ?? 4);
    if (config.api) {
      const client = (this.client = new MispClient(config.api));
      this.reporter = new SightingReporter(client, config.api, logger.child('sightings'), ctx.metrics);
      const reporter = this.reporter;
      ctx.metrics.queueDepth(() => reporter.depth);
      client.onReachability = (up, detail) => {
        this.apiUp = up;
        ctx.metrics.peer('api', up, detail);
      };
    }
  }

  /** Whether the last call to the MISP API got an answer; while not, the API is probed again and again. */
  private apiUp = false;

  /** Sightings sent to / failed at MISP (zeros without an `api` section). */
  get sightings(): Readonly<SightingCounters> {
    return this.reporter?.counters ?? { sent: 0, failed: 0, retries: 0, skipped: 0 };
  }

  /** What happened to incoming attribute notifications. */
  get intake(): Readonly<IntakeCounters> {
    return this.handler.counters;
  }

  async start(): Promise<void> {
    const { logger, bus, metrics } = this.ctx;
    if (this.client) metrics.peer('api', false, 'connecting');
    if (this.kafka) metrics.peer('kafka', false, 'connecting');
    if (this.zmq) this.zmq.start();
    if (this.kafka) await this.kafka.start();
    this.started = true;
    const intake = this.zmq ? `zmq ${this.zmq.endpoint} (topic misp_json_attribute)` : (this.kafka?.description ?? 'none');
    if (this.client && this.reporter) {
      bus.subscribe(Topic.SIGHTING, this.reporter.queue);
      this.reporter.start();
      logger.info('MISP plugin started', { intake, api: this.client.host, filters: this.ctx.config.filter.length });
      this.track(this.watchApi(this.client));
    } else {
      logger.info('MISP plugin started', { intake, filters: this.ctx.config.filter.length });
      logger.warn('Starting MISP plugin without API connection, cannot report back sightings or request snapshots.');
    }
  }

  /**
   * Say early whether the API answers (nothing depends on it), and while it
   * does not (at start, or after a call found it unreachable), ask again with
   * backoff, so `peer_up{peer="api"}` and /readyz recover without traffic.
   */
  private async watchApi(client: MispClient): Promise<void> {
    let delay = API_PROBE_MIN_MS;
    let warned = false;
    while (!this.abort.signal.aborted) {
      if (!this.apiUp) {
        try {
          const answer = await client.get('/servers/getVersion', this.abort.signal);
          this.ctx.logger.debug('MISP API reachable', { api: client.host, version: (answer as { version?: unknown } | null)?.version });
          delay = API_PROBE_MIN_MS;
        } catch (e) {
          if (this.abort.signal.aborted) return;
          if (!warned) this.ctx.logger.warn('MISP API not reachable yet; sightings will be retried', { api: client.host, error: (e as Error).message });
          warned = true;
          delay = Math.min(delay * 2, API_PROBE_MAX_MS);
        }
      }
      await sleepUnlessAborted(this.apiUp ? API_PROBE_MIN_MS : delay, this.abort.signal);
    }
  }

  private track(p: Promise<unknown>): void {
    const t = p.finally(() => this.background.delete(t));
    this.background.add(t);
  }

  async snapshot(request: SnapshotRequest, reply: SnapshotReply): Promise<void> {
    if (!this.client || !this.ctx.config.api) {
      this.ctx.logger.debug('Cannot perform snapshot request. No MISP API connection.', { snapshot_id: request.snapshot_id });
      return;
    }
    const started = process.hrtime.bigint();
    const task = answerSnapshot(this.client, this.ctx.config.filter, this.ctx.config.api.page_size, request, reply, this.ctx.logger, this.abort.signal, this.searchSlots);
    this.track(task.catch(() => undefined));
    try {
      await task;
    } finally {
      this.ctx.metrics.snapshotDuration(Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /** Stop consuming from Kafka; the bus then drains what is in flight, and `stop` commits it. */
  async stopIntake(): Promise<void> {
    await this.kafka?.stopIntake();
  }

  async stop(): Promise<void> {
    this.abort.abort(new Error('MISP plugin stopping'));
    if (this.reporter) {
      this.ctx.bus.unsubscribe(Topic.SIGHTING, this.reporter.queue);
      await this.reporter.stop();
    }
    await this.zmq?.stop();
    await this.kafka?.stop();
    await Promise.allSettled([...this.background]);
    this.client?.close();
    if (this.started) this.ctx.logger.info('MISP plugin stopped', { sightings_sent: this.sightings.sent, sightings_failed: this.sightings.failed });
    this.started = false;
  }
}
