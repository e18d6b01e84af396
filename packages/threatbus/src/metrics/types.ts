/**
 * What a plugin sees of the metrics (docs/observability.md): uniform counters
 * and gauges labelled with the plugin's config key, peer status that also
 * feeds `/readyz`, and a way to add metrics of its own. prom-client's types
 * stay behind this interface so a plugin depends only on the core's contract.
 */

/** The `type` label: the message kinds of spec/core.md §1. */
export type MetricMessageType = 'indicator' | 'sighting' | 'snapshotrequest' | 'snapshotenvelope';

/** A counter of the plugin's own, already labelled with `plugin`. */
export interface PluginCounter {
  inc(labels?: Record<string, string>, value?: number): void;
}

/** A gauge of the plugin's own, already labelled with `plugin`. */
export interface PluginGauge {
  set(value: number, labels?: Record<string, string>): void;
}

/** A histogram of the plugin's own, already labelled with `plugin`. */
export interface PluginHistogram {
  observe(value: number, labels?: Record<string, string>): void;
}

export interface PluginMetrics {
  /** A message this plugin put on the bus (`threatbus_messages_in_total`). */
  messageIn(type: MetricMessageType, count?: number): void;
  /** A message this plugin took from the bus and delivered to its peer (`threatbus_messages_out_total`). */
  messageOut(type: MetricMessageType, count?: number): void;
  /** Something received and not passed on, with why (`threatbus_messages_dropped_total`): filtered, not_ids, invalid, queue_full, oversize, ... */
  dropped(reason: string, count?: number): void;
  /** Current subscribers of this plugin (`threatbus_subscribers`); a function is read at scrape time instead. */
  subscribers(count: number | (() => number)): void;
  /**
   * Messages waiting in this plugin's queues (`threatbus_queue_depth`). Pass
   * a function reading the queues' sizes: it is called at scrape time, so the
   * hot path does no gauge update per message.
   */
  queueDepth(count: number | (() => number)): void;
  /**
   * A peer connection's state (`threatbus_peer_up`). A peer that is down
   * makes `/readyz` answer 503, naming `detail` (e.g. "reconnecting") and
   * how long it has been down. Declare every peer once at start (up or not),
   * so readiness waits for it.
   */
  peer(peer: string, up: boolean, detail?: string): void;
  /** Duration of one snapshot answered by this plugin (`threatbus_snapshot_duration_seconds`). */
  snapshotDuration(seconds: number): void;
  /**
   * A series read at scrape time, for a value the plugin keeps anyway (a
   * queue's size, a running total): the hot path does no extra work.
   * `counter` values must never decrease.
   */
  sampled(name: string, help: string, kind: 'counter' | 'gauge', read: () => number): void;
  /** A counter of the plugin's own. `name` must start with `threatbus_`; `plugin` is added to `labelNames`. */
  counter(name: string, help: string, labelNames?: string[]): PluginCounter;
  gauge(name: string, help: string, labelNames?: string[]): PluginGauge;
  histogram(name: string, help: string, labelNames?: string[], buckets?: number[]): PluginHistogram;
}
