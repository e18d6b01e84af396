/**
 * The plugin's subscriptions: management actions (spec §3.3–3.5), expiry of
 * silent apps, and forwarding snapshot requests to apps (§6).
 */
import { randomBytes } from 'node:crypto';
import type { AppBus, Logger, MessageSubscriber, SnapshotRequest } from 'threatbus';
import { newP2pTopic } from './protocol';
import { Subscription } from './subscription';

export interface RegistryOptions {
  queueSize: number;
  /** ms; 0 = never expire. */
  subscriptionTimeoutMs: number;
  joinTimeoutMs: number;
  now?: () => number;
  /** Messages taken from the bus and not delivered: `queue_full` (a full queue), `peer_down` (queued when the subscription ended). */
  onDropped?: (reason: 'queue_full' | 'peer_down', count: number) => void;
}

export class SubscriptionRegistry {
  private readonly byP2p = new Map<string, Subscription>();
  private readonly now: () => number;

  constructor(
    private readonly bus: AppBus,
    private readonly logger: Logger,
    private readonly options: RegistryOptions,
    /** Called when a subscription may have something to send. */
    private readonly wake: (s: Subscription) => void,
    /** Called when a subscription is gone. */
    private readonly onRemove: (s: Subscription) => void,
  ) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.byP2p.size;
  }

  get(p2pTopic: string): Subscription | undefined {
    return this.byP2p.get(p2pTopic);
  }

  all(): IterableIterator<Subscription> {
    return this.byP2p.values();
  }

  /**
   * Register a new subscription. All-or-nothing (spec/quirks.md D3 fixed): if the bus
   * refuses one topic, the topics already registered are taken back.
   */
  subscribe(topics: readonly string[], snapshotDays: number): Subscription {
    let p2p = newP2pTopic(randomBytes);
    while (this.byP2p.has(p2p)) p2p = newP2pTopic(randomBytes);
    const onDropped = this.options.onDropped;
    const sub = new Subscription(p2p, topics, this.options.queueSize, this.logger, this.now(), this.options.joinTimeoutMs, this.wake, onDropped && ((n) => onDropped('queue_full', n)));
    const done: string[] = [];
    try {
      for (const topic of topics) {
        this.bus.subscribe(topic, sub, { snapshotSeconds: snapshotDays * 86400 });
        done.push(topic);
      }
    } catch (e) {
      for (const topic of done) this.bus.unsubscribe(topic, sub);
      sub.remove();
      throw e;
    }
    this.byP2p.set(p2p, sub);
    this.logger.info(`Received subscription for topic ${topics.join(', ')}, snapshot ${snapshotDays} days`, { p2p_topic: p2p });
    return sub;
  }

  /** Returns false when nobody was subscribed under `p2pTopic`. */
  unsubscribe(p2pTopic: string, reason = 'unsubscribed', quiet = false): boolean {
    const sub = this.byP2p.get(p2pTopic);
    if (!sub) return false;
    this.byP2p.delete(p2pTopic);
    for (const topic of sub.topics) this.bus.unsubscribe(topic, sub);
    const discarded = sub.remove();
    if (discarded > 0) this.options.onDropped?.('peer_down', discarded);
    this.onRemove(sub);
    if (!quiet) this.logger.info(`Removed subscription ${p2pTopic} (${reason})`, { topics: sub.topics.join(','), discarded_messages: discarded });
    return true;
  }

  /** Returns whether the p2p topic is subscribed, and counts it as a sign of life. */
  heartbeat(p2pTopic: string): boolean {
    const sub = this.byP2p.get(p2pTopic);
    if (!sub) return false;
    sub.touch(this.now());
    return true;
  }

  /**
   * An app's SUB socket subscribed to (`joined`) or left the p2p topic, as
   * XPUB reports it. Each connection reports on its own (manual XPUB), so the
   * subscription counts them: it is joined while at least one is there.
   */
  appSocket(p2pTopic: string, joined: boolean): void {
    const sub = this.byP2p.get(p2pTopic);
    if (!sub) return;
    this.logger.debug(joined ? 'App connected to its p2p topic' : 'App disconnected from its p2p topic', { p2p_topic: p2pTopic });
    sub.appSocket(joined, this.now());
  }

  /**
   * Remove subscriptions whose app has shown no sign of life for the timeout
   * and whose SUB socket is not connected (spec/quirks.md D2: the original kept them,
   * and their queues, forever). An app that is connected but never sends
   * heartbeats keeps its subscription.
   */
  expire(): number {
    const timeout = this.options.subscriptionTimeoutMs;
    if (timeout <= 0) return 0;
    const now = this.now();
    let n = 0;
    for (const sub of [...this.byP2p.values()]) {
      if (sub.join !== 'joined' && now - sub.lastSeen >= timeout) {
        this.unsubscribe(sub.p2pTopic, `expired: no heartbeat for ${Math.round((now - sub.lastSeen) / 1000)} s and no app connected`);
        n++;
      }
    }
    return n;
  }

  /**
   * Forward a snapshot request to every subscription except the requester's
   * (spec §6): any of those apps may answer with envelopes.
   */
  forwardSnapshotRequest(request: SnapshotRequest, requester: MessageSubscriber | undefined): number {
    let n = 0;
    for (const sub of this.byP2p.values()) {
      if (sub === requester) continue;
      sub.push(request);
      n++;
    }
    return n;
  }

  /** The publishing socket was replaced: no app is connected to the new one yet. */
  allSocketsLost(): void {
    for (const sub of this.byP2p.values()) sub.socketsLost();
  }

  removeAll(reason: string): void {
    for (const p2p of [...this.byP2p.keys()]) this.unsubscribe(p2p, reason, true);
  }
}
