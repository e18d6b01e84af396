/**
 * The vast-threatbus application (spec/vast-app.md §2–§6): check that VAST
 * answers, subscribe to `stix2/indicator` through the zmq-app client library
 * (which heartbeats, re-subscribes after a bus restart and buffers outgoing
 * sightings meanwhile), match every indicator, report the sightings.
 *
 * Differences from the original: VAST being down at start is retried with
 * back-off instead of terminating, Threat Bus being down is retried with
 * back-off instead of a tight loop (spec/quirks.md F12); background tasks are tracked
 * and awaited on shutdown (F11); metrics are not duplicated on restart (F5).
 */
import { ThreatBusClient } from 'threatbus-zmq-app/client';
import type { IncomingMessage } from 'threatbus-zmq-app/client';
import { Topic } from 'threatbus';
import type { Indicator, Logger } from 'threatbus';
import { makeBackend } from './backend';
import type { Backend } from './backend';
import type { VastThreatBusConfig } from './config';
import { LiveMatcher } from './live';
import { AppMetrics, MetricsWriter } from './metrics';
import { PrometheusMetrics } from './prometheus';
import { describeCommand, run } from './process';
import { Reporter } from './reporter';
import { RetroMatcher } from './retro';
import { TaskSet, sleep } from './tasks';

export interface AppOptions {
  config: VastThreatBusConfig;
  logger: Logger;
  /** Where sink `STDOUT` prints. */
  stdout?: (line: string) => void;
  /** Timings, shortened by tests. */
  heartbeatIntervalMs?: number;
  /** First retry delay after VAST or Threat Bus was unreachable; doubles up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

/** The client library's INFO lines repeat what the app says itself at INFO; keep them for DEBUG. */
function quieter(logger: Logger): Logger {
  return {
    debug: (m, meta) => logger.debug(m, meta),
    info: (m, meta) => logger.debug(m, meta),
    warn: (m, meta) => logger.warn(m, meta),
    error: (m, meta) => logger.error(m, meta),
    critical: (m, meta) => logger.critical(m, meta),
    child: (name) => quieter(logger.child(name)),
    isDebugEnabled: () => logger.isDebugEnabled(),
  };
}

export class VastThreatBusApp {
  readonly metrics: AppMetrics;
  /** The Prometheus view of `metrics`, served when `metrics.endpoint.enabled`. */
  readonly prometheus: PrometheusMetrics;
  readonly backend: Backend;
  private readonly logger: Logger;
  private readonly reporter: Reporter;
  private readonly retro: RetroMatcher | null;
  private readonly live: LiveMatcher | null;
  private readonly tasks: TaskSet;
  private readonly metricsWriter: MetricsWriter;
  private readonly stopController = new AbortController();
  private client?: ThreatBusClient;
  private running: Promise<void> | undefined;
  /** Subscriptions made (the first one plus one per bus restart). */
  subscriptions = 0;

  constructor(private readonly o: AppOptions) {
    const c = o.config;
    this.logger = o.logger;
    this.backend = makeBackend(c.backend, c.vast_binary, c.vast);
    this.metrics = new AppMetrics({ retro: c.retro_match, live: c.live_match });
    this.tasks = new TaskSet((e) => this.logger.error(`Background task failed: ${(e as Error)?.message ?? String(e)}`));
    this.reporter = new Reporter({ logger: this.logger, transformContext: c.transform_context, sink: c.sink, stdout: o.stdout });
    const report = (s: Parameters<Reporter['report']>[0]) => this.reporter.report(s);
    this.retro = c.retro_match
      ? new RetroMatcher({
          backend: this.backend,
          maxEvents: c.retro_match_max_events,
          timeoutS: c.retro_match_timeout,
          maxParallel: c.max_background_tasks,
          metrics: this.metrics,
          logger: this.logger,
          report,
          signal: this.stopController.signal,
        })
      : null;
    this.live =
      c.live_match && this.backend.matcher && c.matcher_name
        ? new LiveMatcher({
            commands: this.backend.matcher,
            matcher: c.matcher_name,
            metrics: this.metrics,
            logger: this.logger,
            report,
            reattachDelayMs: o.retryDelayMs ?? 1000,
          })
        : null;
    this.metricsWriter = new MetricsWriter(this.metrics, c.metrics.filename, c.metrics.interval, this.logger);
    this.prometheus = new PrometheusMetrics(this.metrics);
  }

  /** Run until `stop()`. Resolves after shutdown. */
  start(): Promise<void> {
    this.running ??= this.run();
    return this.running;
  }

  /** Stop: kill VAST processes, send what is queued (bounded), unsubscribe, write the last metrics. */
  async stop(): Promise<void> {
    this.stopController.abort();
    await this.start();
  }

  /** Resolves when no indicator is being processed and no sighting waits for sending. */
  async idle(): Promise<void> {
    await this.tasks.idle();
    await this.reporter.idle();
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private vastName(): string {
    return this.backend.name === 'tenzir' ? 'Tenzir' : 'VAST';
  }

  /** Connection test (spec §3.2); logs why it failed. */
  async vastReachable(): Promise<boolean> {
    const cmd = this.backend.status();
    const r = await run(cmd, { timeoutS: 30, signal: this.stopController.signal });
    this.prometheus.view.peer('vast', r.code === 0, 'unreachable');
    if (r.code === 0) return true;
    if (!this.stopped) {
      const why = r.spawnError?.message ?? (r.timedOut ? 'no answer within 30s' : r.stderr.trim() || `exit code ${r.code}`);
      this.logger.error(`Cannot connect to ${this.vastName()} at ${this.o.config.vast} (${describeCommand(cmd)}): ${why}`);
    }
    return false;
  }

  /** Low-priority probe (spec §3.3): the export help mentions `--low-priority`. */
  private async probeLowPriority(): Promise<boolean> {
    const cmd = this.backend.exportHelp();
    if (!cmd) return false;
    const r = await run(cmd, { timeoutS: 30 });
    return r.code === 0 && r.stdout.includes('--low-priority');
  }

  private async run(): Promise<void> {
    const c = this.o.config;
    const signal = this.stopController.signal;
    this.metricsWriter.start();
    let attach: Promise<void> = Promise.resolve();
    try {
      const endpoint = c.metrics.endpoint;
      if (endpoint.enabled) {
        // Before anything connects, so an orchestrator sees /readyz answer 503 meanwhile.
        await this.prometheus.listen(endpoint.host, endpoint.port);
        this.logger.info(`Metrics endpoint listening on http://${endpoint.host}:${this.prometheus.address!.port}/metrics`);
      }
      this.prometheus.started();
      // VAST first: without it there is nothing to match against (the original exited here).
      let delay = this.o.retryDelayMs ?? 1000;
      while (!this.stopped && !(await this.vastReachable())) {
        if (this.stopped) break;
        this.logger.info(`Retrying ${this.vastName()} in ${delay / 1000}s`);
        await sleep(delay, signal);
        delay = Math.min(delay * 2, this.o.maxRetryDelayMs ?? 30_000);
      }
      if (this.stopped) return;
      if (this.retro) this.retro.lowPriority = await this.probeLowPriority();
      if (this.live) attach = this.live.attach(signal);

      const client = new ThreatBusClient({
        endpoint: c.threatbus,
        topics: Topic.INDICATOR,
        snapshot: c.snapshot,
        heartbeatIntervalMs: this.o.heartbeatIntervalMs,
        retryDelayMs: this.o.retryDelayMs,
        maxRetryDelayMs: this.o.maxRetryDelayMs,
        logger: quieter(this.logger.child('threatbus')),
        curve: c.curve,
      });
      this.client = client;
      client.on('subscribed', (info) => {
        this.subscriptions++;
        this.prometheus.view.peer('threatbus', true);
        this.logger.info(`Subscription successful. New p2p_topic: ${info.p2pTopic}${info.resubscribed ? ' (re-subscribed after Threat Bus lost the old one)' : ''}`);
      });
      client.on('disconnected', (reason) => {
        this.prometheus.view.peer('threatbus', false, 'reconnecting');
        this.logger.warn(`Lost Threat Bus (${reason}); re-subscribing`);
      });
      client.onMessage((m) => this.onMessage(m));
      await client.start();
      if (this.stopped) return;
      if (c.sink === null) {
        this.reporter.setPublisher((s) => client.publishSighting(s));
        this.logger.info(`Forwarding sightings to Threat Bus at ${c.threatbus} (topic stix2/sighting)`);
      } else {
        this.logger.info(`Forwarding sightings to sink '${c.sink}'`);
      }
      const modes = [c.retro_match && 'retro matching', c.live_match && `live matching with matcher '${c.matcher_name}'`].filter(Boolean).join(' and ') || 'no matching';
      this.logger.info(`Connected ${this.vastName()} at ${c.vast} (${c.vast_binary}) to Threat Bus at ${c.threatbus}: ${modes}${this.retro?.lowPriority ? ', low-priority queries' : ''}`);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    } finally {
      this.stopController.abort();
      await attach;
      await this.tasks.idle();
      // Sightings already found still go out (bounded: the client's close flushes with a timeout).
      await Promise.race([this.reporter.idle(), sleep(2000)]);
      this.reporter.setPublisher(null);
      await this.client?.close();
      await this.metricsWriter.stop();
      await this.metricsWriter.writeOnce();
      await this.prometheus.close();
    }
  }

  /** A message on the p2p topic (spec §4): indicators are matched, everything else is skipped. */
  private onMessage(m: IncomingMessage): void {
    if (m.type !== 'indicator') {
      this.logger.debug(`Skipping unsupported message: ${m.type}`);
      return;
    }
    this.dispatch(m);
  }

  /** Spec §5.1. */
  dispatch(indicator: Indicator): void {
    if (this.stopped) return;
    if (indicator.x_threatbus_update === 'REMOVE') {
      this.metrics.removedIocs.inc();
      const live = this.live;
      if (live) this.tasks.spawn(() => live.remove(indicator));
      return;
    }
    this.metrics.addedIocs.inc();
    const retro = this.retro;
    if (retro) {
      this.metrics.retroMatchBacklog.inc();
      this.tasks.spawn(() => retro.match(indicator));
    }
    const live = this.live;
    if (live) this.tasks.spawn(() => live.ingest(indicator));
  }
}
