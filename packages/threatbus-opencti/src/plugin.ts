/**
 * The OpenCTI app: indicators in from the live events stream, sightings
 * back over GraphQL, indicator snapshots from a paged GraphQL query.
 *
 * An unreachable OpenCTI or a refused token never stops the bus: the start
 * returns at once, the stream reconnects with backoff and says what is wrong,
 * sightings retry for a bounded time.
 */
import { Topic } from 'threatbus';
import type { AppContext, AppPlugin, SnapshotReply, SnapshotRequest } from 'threatbus';
import { OpenCtiClient } from './client';
import type { OpenCtiConfig } from './config';
import { IntakeHandler } from './intake';
import type { IntakeCounters } from './intake';
import { SightingReporter } from './sightings';
import type { SightingCounters } from './sightings';
import { answerSnapshot } from './snapshot';
import { StreamState } from './state';
import { StreamReader } from './stream';
import type { StreamCounters } from './stream';

export class OpenCtiApp implements AppPlugin {
  private readonly client: OpenCtiClient;
  private readonly state: StreamState;
  private readonly intake: IntakeHandler;
  private readonly stream: StreamReader;
  private readonly reporter: SightingReporter;
  private readonly abort = new AbortController();
  private readonly background = new Set<Promise<unknown>>();
  private started = false;

  constructor(private readonly ctx: AppContext<OpenCtiConfig>) {
    const { config, logger, bus, metrics } = ctx;
    this.client = new OpenCtiClient(config);
    this.state = new StreamState(config.state_file, (message) => logger.error(message));
    this.intake = new IntakeHandler(bus, { detectionOnly: config.detection_only }, logger.child('stream'), metrics);
    this.stream = new StreamReader(
      this.client,
      config,
      this.state,
      (event, data, where) => this.intake.handle(event, data, where),
      logger.child('stream'),
      (up, detail) => metrics.peer(this.stream.url, up, detail),
    );
    this.reporter = new SightingReporter(this.client, config, (id) => this.intake.isKnown(id), logger.child('sightings'), metrics);
  }

  /** What happened to stream events. */
  get counters(): { stream: Readonly<StreamCounters>; intake: Readonly<IntakeCounters>; sightings: Readonly<SightingCounters> } {
    return { stream: this.stream.counters, intake: this.intake.counters, sightings: this.reporter.counters };
  }

  async start(): Promise<void> {
    const { config, logger, bus } = this.ctx;
    const from = this.state.load();
    bus.subscribe(Topic.SIGHTING, this.reporter.queue);
    this.reporter.start();
    this.stream.start();
    this.started = true;
    logger.info('OpenCTI plugin started', {
      url: this.client.origin,
      stream: this.stream.url,
      resume_from: from ?? 'live events',
      state_file: config.state_file || 'none (a restart begins with live events)',
      detection_only: config.detection_only,
      entity: config.entity_name,
    });
  }

  async snapshot(request: SnapshotRequest, reply: SnapshotReply): Promise<void> {
    const { config, logger, metrics } = this.ctx;
    const started = process.hrtime.bigint();
    const task = answerSnapshot(this.client, { detectionOnly: config.detection_only, pageSize: config.page_size }, request, reply, logger, this.abort.signal);
    const tracked = task.catch(() => undefined).finally(() => this.background.delete(tracked));
    this.background.add(tracked);
    await task;
    metrics.snapshotDuration(Number(process.hrtime.bigint() - started) / 1e9);
  }

  /** At shutdown, first: stop reading the stream and save where it stopped (sightings still go out until `stop`). */
  async stopIntake(): Promise<void> {
    await this.stream.stop();
    this.state.flush();
  }

  async stop(): Promise<void> {
    this.abort.abort(new Error('OpenCTI plugin stopping'));
    if (this.started) this.ctx.bus.unsubscribe(Topic.SIGHTING, this.reporter.queue);
    await this.reporter.stop();
    await this.stream.stop();
    await Promise.allSettled([...this.background]);
    this.state.flush();
    this.intake.flush();
    this.client.close();
    if (this.started) {
      this.ctx.logger.info('OpenCTI plugin stopped', {
        indicators_published: this.intake.counters.published,
        sightings_sent: this.reporter.counters.sent,
        sightings_failed: this.reporter.counters.failed,
        last_event_id: this.state.lastEventId ?? null,
      });
    }
    this.started = false;
  }
}
