/**
 * The running bus: backbones move messages, the router hands them to local
 * subscribers, the snapshot coordinator runs the snapshot protocol, apps
 * connect the outside world. Start order: backbones, snapshot topics, apps;
 * stop order: apps, then backbones (so nothing publishes into a stopped
 * backbone).
 */
import { TopicRouter } from './router';
import { SnapshotCoordinator } from './snapshots';
import { Topic, routingTopic } from './messages';
import type { Message } from './messages';
import type { Logger } from './logging';
import type { AppBus, AppPlugin, BackbonePlugin, SubscribeOptions, SubscribeResult } from './plugin';
import type { Subscriber } from './queue';
import type { BusPlan } from './plan';

const ROUTING_TOPICS = [Topic.INDICATOR, Topic.SIGHTING, Topic.SNAPSHOT_REQUEST, Topic.SNAPSHOT_ENVELOPE];

interface Running<P> {
  name: string;
  plugin: P;
}

export class ThreatBus implements AppBus {
  readonly router: TopicRouter;
  private readonly snapshots: SnapshotCoordinator;
  private backbones: Running<BackbonePlugin>[] = [];
  private apps: Running<AppPlugin>[] = [];
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';

  constructor(
    private readonly plan: BusPlan,
    readonly logger: Logger,
  ) {
    this.router = new TopicRouter((error, message) =>
      logger.error('A subscriber failed to take a message', { topic: routingTopic(message), error }),
    );
    this.snapshots = new SnapshotCoordinator(logger.child('snapshot'), (m) => this.publish(m), () => this.apps);
  }

  get isRunning(): boolean {
    return this.state === 'running';
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
        const plugin = b.definition.create({
          config: b.config as never,
          logger: log.child(b.name),
          deliver: (m) => this.router.deliver(m),
        });
        this.backbones.push({ name: b.name, plugin });
        await plugin.start();
      }
      for (const topic of SnapshotCoordinator.topics) this.router.subscribe(topic, this.snapshots);
      for (const a of this.plan.apps) {
        const plugin = a.definition.create({ config: a.config as never, logger: log.child(a.name), bus: this });
        this.apps.push({ name: a.name, plugin });
        await plugin.start();
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
    // Apps first, so that nothing publishes into a stopped backbone.
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

  publish(message: Message): Promise<void> {
    const n = this.backbones.length;
    if (n === 0) return Promise.reject(new Error('no backbone is running'));
    if (n === 1) return this.backbones[0].plugin.publish(message);
    return Promise.all(this.backbones.map((b) => b.plugin.publish(message))).then(() => undefined);
  }

  subscribe(topic: string, subscriber: Subscriber, options: SubscribeOptions = {}): SubscribeResult {
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

  unsubscribe(topic: string, subscriber: Subscriber): void {
    this.logger.debug('Removing subscription', { topic });
    this.router.unsubscribe(topic, subscriber);
    if (!this.router.isSubscribed(subscriber)) this.snapshots.forget(subscriber);
  }
}
