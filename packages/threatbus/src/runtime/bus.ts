/**
 * The running bus: backbones move messages, the router hands them to local
 * subscribers, the snapshot coordinator runs the snapshot protocol, apps
 * connect the outside world. Start order: backbones, snapshot topics, apps;
 * stop order: intakes (`AppPlugin.stopIntake`), drain what is in flight to
 * the subscribers, apps, then backbones (so nothing publishes into a stopped
 * backbone, and an intake acknowledges upstream only what was delivered).
 */
import { TopicRouter } from './router';
import { SnapshotCoordinator } from './snapshots';
import { Topic, routingTopic } from '../messages';
import type { Message } from '../messages';
import { DeliveryTracker } from './delivery';
import type { PublishOptions } from './delivery';
import type { Logger } from '../logging';
import type { AppBus, AppPlugin, BackbonePlugin, SubscribeOptions, SubscribeResult } from '../plugin';
import type { MessageSubscriber } from './queue';
import type { BusPlan } from './plan';
import { ErrorCode, ThreatBusError } from '../errors';
import { BusMetrics } from '../metrics/registry';
import type { MetricMessageType } from '../metrics/types';

/** How long shutdown waits for messages in flight to reach their subscribers (below the CLI's 10 s stop limit). */
const DRAIN_TIMEOUT_MS = 5_000;

const ROUTING_TOPICS = [Topic.INDICATOR, Topic.SIGHTING, Topic.SNAPSHOT_REQUEST, Topic.SNAPSHOT_ENVELOPE];

interface Running<P> {
  name: string;
  plugin: P;
}

export class ThreatBus implements AppBus {
  private readonly router: TopicRouter;
  private readonly snapshots: SnapshotCoordinator;
  private readonly deliveries = new DeliveryTracker();
  private backbones: Running<BackbonePlugin>[] = [];
  private apps: Running<AppPlugin>[] = [];
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';

  constructor(
    private readonly plan: BusPlan,
    readonly logger: Logger,
    /** Counters, gauges and readiness of this bus and its plugins (served by the metrics endpoint when enabled). */
    readonly metrics: BusMetrics = new BusMetrics(),
  ) {
    this.router = new TopicRouter((error, message) =>
      logger.error('A subscriber failed to take a message', { topic: routingTopic(message), error }),
    );
    this.snapshots = new SnapshotCoordinator(logger.child('snapshot'), (m) => this.publish(m), () => this.apps);
  }

  get isRunning(): boolean {
    return this.state === 'running';
  }

  /**
   * The running instance of the plugin configured as `name` (an app, else a
   * backbone), for tests and embedders that need to reach into one. The
   * caller names the type it expects; nothing checks it.
   */
  plugin<P = AppPlugin | BackbonePlugin>(name: string): P {
    const found = this.apps.find((a) => a.name === name) ?? this.backbones.find((b) => b.name === name);
    if (!found) {
      const running = [...this.apps, ...this.backbones].map((p) => p.name).join(', ') || 'none';
      throw new ThreatBusError(ErrorCode.NOT_RUNNING, `no plugin '${name}' is running (running: ${running})`);
    }
    return found.plugin as P;
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`cannot start a bus that is ${this.state}`);
    this.state = 'starting';
    const began = performance.now();
    const log = this.logger;
    for (const w of this.plan.warnings) log.warn(w);
    for (const p of this.plan.unconfigured) log.info(`Ignoring installed, but unconfigured ${p.kind} '${p.name}' (${p.packageName})`);
    if (this.plan.defaultBackbone) log.info('No backbone configured, using the in-memory backbone');
    log.info('Starting plugins...');
    try {
      for (const b of this.plan.backbones) {
        this.metrics.health.register(b.name);
        const plugin = b.definition.create({
          config: b.config as never,
          logger: log.child(b.name),
          metrics: this.metrics.forPlugin(b.name),
          deliver: (m) => this.router.deliver(m),
        });
        this.backbones.push({ name: b.name, plugin });
        await plugin.start();
        this.metrics.health.started(b.name);
      }
      for (const topic of SnapshotCoordinator.topics) this.router.subscribe(topic, this.snapshots);
      for (const a of this.plan.apps) {
        this.metrics.health.register(a.name);
        const metrics = this.metrics.forPlugin(a.name);
        const plugin = a.definition.create({ config: a.config as never, logger: log.child(a.name), metrics, bus: this.appView(metrics) });
        this.apps.push({ name: a.name, plugin });
        await plugin.start();
        this.metrics.health.started(a.name);
      }
    } catch (e) {
      log.error('Start-up failed, stopping what was started', { error: e });
      await this.stopPlugins();
      this.state = 'stopped';
      throw e;
    }
    this.state = 'running';
    for (const { name, plugin } of this.backbones) {
      try {
        plugin.onBusReady?.();
      } catch (e) {
        log.error(`The backbone '${name}' failed in onBusReady`, { error: e });
      }
    }
    log.info('Threat Bus ready', {
      backbones: this.backbones.map((b) => b.name).join(','),
      apps: this.apps.map((a) => a.name).join(','),
      startup_ms: Math.round(performance.now() - began),
    });
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    this.state = 'stopping';
    this.logger.info('Stopping plugins...');
    await this.stopPlugins();
    this.state = 'stopped';
    this.logger.info('Threat Bus stopped');
  }

  private async stopPlugins(): Promise<void> {
    // Intakes first, then let what they published reach the subscribers, so they can acknowledge it upstream.
    for (const { name, plugin } of this.apps) {
      if (!plugin.stopIntake) continue;
      try {
        await plugin.stopIntake();
      } catch (e) {
        this.logger.error(`The app '${name}' failed to stop its intake cleanly`, { error: e });
      }
    }
    if (!(await this.deliveries.idle(DRAIN_TIMEOUT_MS))) {
      this.logger.warn('Messages still on their way to subscribers at shutdown; their upstream acknowledgement is left for a redelivery', {
        in_flight: this.deliveries.inFlight,
        waited_ms: DRAIN_TIMEOUT_MS,
      });
    }
    // What the apps discard from here on (queues cleared at stop) was not taken: never acknowledge it upstream.
    this.deliveries.close();
    // Apps before backbones, so that nothing publishes into a stopped backbone.
    for (const { name, plugin } of this.apps.reverse()) await this.stopOne('app', name, plugin);
    await this.snapshots.settle();
    for (const { name, plugin } of this.backbones.reverse()) await this.stopOne('backbone', name, plugin);
    this.apps = [];
    this.backbones = [];
  }

  private async stopOne(kind: string, name: string, plugin: { stop(): Promise<void> }): Promise<void> {
    try {
      await plugin.stop();
    } catch (e) {
      this.logger.error(`The ${kind} '${name}' failed to stop cleanly`, { error: e });
    }
  }

  // ------------------------------------------------------------ AppBus

  /** What one app sees of the bus: the AppBus contract, counting what the app puts on the bus as its `messages_in`. */
  private appView(metrics: { messageIn(type: MetricMessageType): void }): AppBus {
    return {
      publish: (message, options) => {
        metrics.messageIn(message.type);
        return this.publish(message, options);
      },
      subscribe: (topic, subscriber, options) => this.subscribe(topic, subscriber, options),
      unsubscribe: (topic, subscriber) => this.unsubscribe(topic, subscriber),
    };
  }

  publish(message: Message, options?: PublishOptions): Promise<void> {
    const n = this.backbones.length;
    if (n === 0) return Promise.reject(new Error('no backbone is running'));
    const listener = options?.onDelivered;
    if (listener === undefined) {
      if (n === 1) return this.backbones[0].plugin.publish(message);
      return Promise.all(this.backbones.map((b) => b.plugin.publish(message))).then(() => undefined);
    }
    const token = options?.token ?? 0;
    const pending = this.deliveries.attach(message, listener, token);
    const published = n === 1 ? this.backbones[0].plugin.publish(message) : Promise.all(this.backbones.map((b) => b.plugin.publish(message)));
    // The publish's own hold is released once every backbone accepted the message; never when one refused it.
    return published.then(
      () => (pending ? pending.release() : listener.delivered(token)),
      (e: unknown) => {
        pending?.abandon();
        throw e;
      },
    );
  }

  subscribe(topic: string, subscriber: MessageSubscriber, options: SubscribeOptions = {}): SubscribeResult {
    if (typeof topic !== 'string') throw new TypeError(`topic must be a string, got ${typeof topic}`);
    if (!ROUTING_TOPICS.some((t) => t.startsWith(topic))) {
      this.logger.warn(`Subscription to '${topic}' will receive nothing: no message type has a routing topic starting with it`, {
        known_topics: ROUTING_TOPICS.join(','),
      });
    }
    this.logger.debug('Adding subscription', { topic });
    this.router.subscribe(topic, subscriber);
    const seconds = options.snapshotSeconds ?? 0;
    if (seconds !== 0 && Number.isFinite(seconds)) {
      return { snapshotId: this.snapshots.request(topic, subscriber, seconds) };
    }
    return {};
  }

  unsubscribe(topic: string, subscriber: MessageSubscriber): void {
    this.logger.debug('Removing subscription', { topic });
    this.router.unsubscribe(topic, subscriber);
    if (!this.router.isSubscribed(subscriber)) this.snapshots.forget(subscriber);
  }

  /** The local subscribers a message of `topic` reaches (each once), for tests (`threatbus/testing`) and diagnostics. */
  subscribersOf(topic: string): MessageSubscriber[] {
    return this.router.subscribersOf(topic);
  }
}
