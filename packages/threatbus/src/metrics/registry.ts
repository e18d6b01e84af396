/**
 * The bus's metrics registry (docs/observability.md has the table of every
 * metric). One prom-client Registry per bus: embedding several buses in one
 * process (tests, benchmarks) keeps their numbers apart. Every plugin gets a
 * PluginMetrics view whose series carry `plugin="<config key>"`. Counters
 * count into plain numbers (tally.ts) that prom-client collects at scrape
 * time: counting a message is one property update, not prom-client's label
 * hashing.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { HealthTracker } from './health';
import { Tally } from './tally';
import type { TallyCell } from './tally';
import type { MetricMessageType, PluginCounter, PluginGauge, PluginHistogram, PluginMetrics } from './types';

const MESSAGE_TYPES: MetricMessageType[] = ['indicator', 'sighting', 'snapshotrequest', 'snapshotenvelope'];
const NAME = /^threatbus_[a-z0-9_]+$/;

export interface BusMetricsOptions {
  /** Collect prom-client's default process metrics (memory, event loop lag, GC). Default true. */
  processMetrics?: boolean;
}

export class BusMetrics {
  readonly registry = new Registry();
  readonly health = new HealthTracker();
  private readonly subscribersGauge: Gauge<'plugin'>;
  private readonly queueDepthGauge: Gauge<'plugin'>;
  private readonly peerUp: Gauge<'plugin' | 'peer'>;
  private readonly snapshotSeconds: Histogram<'plugin'>;
  private readonly views = new Map<string, PluginMetrics>();
  /** Per sampled metric name: each plugin's reader, called at scrape time. */
  private readonly sampledReaders = new Map<string, Map<string, () => number>>();
  /** What the counters counted since the last scrape, per family. */
  private readonly inTally = new Tally();
  private readonly outTally = new Tally();
  private readonly droppedTally = new Tally();
  /** Plugin-defined counters, by name. */
  private readonly ownTallies = new Map<string, Tally>();
  /** Plugins whose subscriber count and queue depth are read at scrape time. */
  private readonly subscriberReaders = new Map<string, () => number>();
  private readonly depthReaders = new Map<string, () => number>();

  constructor(options: BusMetricsOptions = {}) {
    const registers = [this.registry];
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    const tallied = (name: string, help: string, labelNames: string[], tally: Tally) =>
      new Counter({ name, help, labelNames, registers, collect(this: Counter<string>) { tally.flush(this); } });
    // Registered with the registry, which serves them; nothing here reads them again.
    tallied('threatbus_messages_in_total', 'Messages a plugin put on the bus', ['plugin', 'type'], this.inTally);
    tallied('threatbus_messages_out_total', 'Messages a plugin took from the bus and delivered to its peer', ['plugin', 'type'], this.outTally);
    tallied('threatbus_messages_dropped_total', 'Messages a plugin received and did not pass on, by reason', ['plugin', 'reason'], this.droppedTally);
    this.subscribersGauge = new Gauge({ name: 'threatbus_subscribers', help: 'Current subscribers of a plugin', labelNames: ['plugin'], registers, collect: readAll(this.subscriberReaders) });
    this.queueDepthGauge = new Gauge({ name: 'threatbus_queue_depth', help: 'Messages waiting in a plugin\'s queues', labelNames: ['plugin'], registers, collect: readAll(this.depthReaders) });
    this.peerUp = new Gauge({ name: 'threatbus_peer_up', help: '1 while a plugin\'s connection to a peer is up, else 0', labelNames: ['plugin', 'peer'], registers });
    this.snapshotSeconds = new Histogram({
      name: 'threatbus_snapshot_duration_seconds',
      help: 'Time a plugin took to answer one snapshot request',
      labelNames: ['plugin'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
  }

  /** The view handed to the plugin whose config key is `plugin`. */
  forPlugin(plugin: string): PluginMetrics {
    let view = this.views.get(plugin);
    if (!view) {
      view = this.createView(plugin);
      this.views.set(plugin, view);
    }
    return view;
  }

  /** Prometheus text exposition of everything registered. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  private sampled(plugin: string, name: string, help: string, kind: 'counter' | 'gauge', read: () => number): void {
    let readers = this.sampledReaders.get(name);
    if (!readers) {
      const all = new Map<string, () => number>();
      readers = all;
      this.sampledReaders.set(name, all);
      ownMetric(this.registry, name, () => {
        const config = { name, help, labelNames: ['plugin'] as const, registers: [this.registry] };
        // prom-client calls collect() on every scrape; the values are set from the readers then.
        return kind === 'counter'
          ? new Counter({ ...config, collect(this: Counter<'plugin'>) { this.reset(); for (const [p, r] of all) this.inc({ plugin: p }, r()); } })
          : new Gauge({ ...config, collect(this: Gauge<'plugin'>) { for (const [p, r] of all) this.set({ plugin: p }, r()); } });
      });
    }
    readers.set(plugin, read);
  }

  private createView(plugin: string): PluginMetrics {
    // Every series exists from the start (at 0), so rate() and in = out + dropped work before the first message.
    const bind = (tally: Tally): Record<MetricMessageType, TallyCell> =>
      Object.fromEntries(MESSAGE_TYPES.map((type) => [type, tally.cell({ plugin, type })])) as Record<MetricMessageType, TallyCell>;
    const inBy = bind(this.inTally);
    const outBy = bind(this.outTally);
    const droppedBy = new Map<string, TallyCell>();
    const droppedTally = this.droppedTally;
    const droppedCell = (reason: string): TallyCell => {
      let cell = droppedBy.get(reason);
      if (!cell) droppedBy.set(reason, (cell = droppedTally.cell({ plugin, reason })));
      return cell;
    };
    const registry = this.registry;
    const health = this.health;
    const peerUp = this.peerUp;
    const subscribers = this.subscribersGauge.labels(plugin);
    const depth = this.queueDepthGauge.labels(plugin);
    const snapshots = this.snapshotSeconds.labels(plugin);
    return {
      messageIn: (type, count = 1) => void (inBy[type].value += count),
      messageOut: (type, count = 1) => void (outBy[type].value += count),
      dropped: (reason, count = 1) => void (droppedCell(reason).value += count),
      subscribers: (count) => (typeof count === 'function' ? this.subscriberReaders.set(plugin, count) : subscribers.set(count)),
      queueDepth: (count) => (typeof count === 'function' ? this.depthReaders.set(plugin, count) : depth.set(count)),
      peer: (peer, up, detail) => {
        peerUp.set({ plugin, peer }, up ? 1 : 0);
        health.peer(plugin, peer, up, detail);
      },
      snapshotDuration: (seconds) => snapshots.observe(seconds),
      sampled: (name, help, kind, read) => this.sampled(plugin, name, help, kind, read),
      counter: (name, help, labelNames = []) => {
        let tally = this.ownTallies.get(name);
        if (!tally) {
          const t = (tally = new Tally());
          ownMetric(registry, name, () => new Counter({ name, help, labelNames: ['plugin', ...labelNames], registers: [registry], collect(this: Counter<string>) { t.flush(this); } }));
          this.ownTallies.set(name, t);
        }
        const own = tally;
        const allowed = new Set(labelNames);
        // This plugin's cells by label values in labelNames order: no object built per call once a series exists.
        const cells = new Map<string, TallyCell>();
        return {
          inc: (labels = {}, value = 1) => {
            let key = '';
            for (const n of labelNames) key += `${labels[n] ?? ''}\u0001`;
            let cell = cells.get(key);
            if (!cell) {
              // prom-client would only notice an undeclared label at scrape time.
              for (const k in labels) if (!allowed.has(k)) throw new RangeError(`metric ${name}: label '${k}' is not declared (labelNames: ${labelNames.join(', ') || 'none'})`);
              cells.set(key, (cell = own.cell({ ...labels, plugin })));
            }
            cell.value += value;
          },
        } satisfies PluginCounter;
      },
      gauge: (name, help, labelNames = []) => {
        const g = ownMetric(registry, name, () => new Gauge({ name, help, labelNames: ['plugin', ...labelNames], registers: [registry] }));
        return { set: (value, labels = {}) => g.set({ ...labels, plugin }, value) } satisfies PluginGauge;
      },
      histogram: (name, help, labelNames = [], buckets) => {
        const h = ownMetric(registry, name, () => new Histogram({ name, help, labelNames: ['plugin', ...labelNames], buckets, registers: [registry] }));
        return { observe: (value, labels = {}) => h.observe({ ...labels, plugin }, value) } satisfies PluginHistogram;
      },
    };
  }
}

/** A gauge's collect(): sets each plugin's series from its reader; a reader that throws leaves the last value. */
function readAll(readers: Map<string, () => number>): (this: Gauge<'plugin'>) => void {
  return function (this: Gauge<'plugin'>) {
    for (const [plugin, read] of readers) {
      try {
        this.set({ plugin }, read());
      } catch {
        // A scrape must not fail because one plugin's reader did.
      }
    }
  };
}

/** A plugin-defined metric: created once per registry, shared when two plugins (or two starts) ask for the same name. */
function ownMetric<M>(registry: Registry, name: string, create: () => M): M {
  if (!NAME.test(name)) throw new RangeError(`metric name '${name}' must match ${NAME} (prefix threatbus_)`);
  return (registry.getSingleMetric(name) as M | undefined) ?? create();
}

/** Metrics for a plugin run outside a bus (unit tests of a plugin, tools): counted, never served. */
export function detachedPluginMetrics(plugin = 'detached'): PluginMetrics {
  return new BusMetrics({ processMetrics: false }).forPlugin(plugin);
}
