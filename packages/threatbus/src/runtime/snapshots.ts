/**
 * The snapshot protocol (spec/core.md §8): a subscriber asks for the last N
 * seconds; the bus publishes one SnapshotRequest per message type the topic
 * covers; every app with a `snapshot` hook (on every bus instance sharing the
 * backbone) answers with envelopes; envelopes reach only the requester, as
 * plain indicators and sightings.
 *
 * Changes from the original: requester entries are dropped when the
 * subscriber unsubscribes (the original kept them forever), a failing app
 * hook is logged and does not stop the others (spec/quirks.md C2), and envelopes
 * for ids of other instances are normal with a shared backbone, so they are
 * ignored at debug level.
 *
 * Each object id reaches the requester once per snapshot, however many apps
 * (the store and MISP, or the stores of several bus instances on RabbitMQ)
 * answer with it: the first envelope wins. The ids seen are kept compactly
 * (SeenIds) and forgotten once no envelope of that snapshot arrived for
 * `dedupeIdleMs` (default 10 minutes) or the requester unsubscribes.
 */
import { randomUUID } from 'node:crypto';
import { createSnapshotEnvelope, createSnapshotRequest, messageTypeName, snapshotTypesForTopic, MessageType, Topic } from '../messages';
import type { Message, SnapshotEnvelope, SnapshotRequest } from '../messages';
import type { Logger } from '../logging';
import type { AppPlugin } from '../plugin';
import type { MessageSubscriber } from './queue';
import type { Indicator, Sighting } from '../stix/types';
import { SeenIds } from './seen-ids';

/** How long the ids sent for one snapshot are remembered after its last envelope. */
export const SNAPSHOT_DEDUPE_IDLE_MS = 10 * 60_000;

interface SentIds {
  ids: SeenIds;
  /** Fires when the snapshot has been quiet for the idle time. */
  timer: NodeJS.Timeout;
  /** When the timer was last restarted (ms). */
  refreshedAt: number;
  duplicates: number;
}

/**
 * The idle timer is restarted at most this often: restarting it for every
 * envelope cost ~0.7 µs per object of a million-object snapshot. The ids are
 * thus forgotten up to this much (or a tenth of the idle time, if less)
 * before the idle time after the last envelope has passed.
 */
const REFRESH_EVERY_MS = 1000;

export interface SnapshotApp {
  name: string;
  plugin: AppPlugin;
}

export class SnapshotCoordinator implements MessageSubscriber {
  /** snapshot id → the local subscriber that asked. */
  private readonly requesters = new Map<string, MessageSubscriber>();
  private readonly inFlight = new Set<Promise<void>>();
  /** snapshot id → the object ids already handed to its requester. */
  private readonly sent = new Map<string, SentIds>();

  constructor(
    private readonly logger: Logger,
    private readonly publish: (m: Message) => Promise<void>,
    private readonly apps: () => SnapshotApp[],
    private readonly dedupeIdleMs = SNAPSHOT_DEDUPE_IDLE_MS,
  ) {}

  /** Topics the coordinator must be subscribed to. */
  static readonly topics = [Topic.SNAPSHOT_REQUEST, Topic.SNAPSHOT_ENVELOPE];

  /** Start a snapshot for a new subscription; returns its id (also when the topic covers no type, as the original). */
  request(topic: string, subscriber: MessageSubscriber, seconds: number): string {
    const id = randomUUID();
    const types = snapshotTypesForTopic(topic);
    if (types.length === 0) {
      this.logger.warn('Snapshot requested for a topic that names no message type; nothing will be sent', { topic });
      return id;
    }
    this.requesters.set(id, subscriber);
    for (const t of types) {
      this.logger.info(`Requesting snapshot from all plugins for message type ${messageTypeName(t)} and time delta ${seconds}s`, { snapshot_id: id });
      this.publish(createSnapshotRequest(t, id, seconds)).catch((e) =>
        this.logger.error('Could not publish snapshot request', { snapshot_id: id, error: e }),
      );
    }
    return id;
  }

  /** Forget the requests of a subscriber that went away. */
  forget(subscriber: MessageSubscriber): void {
    for (const [id, s] of this.requesters) {
      if (s !== subscriber) continue;
      this.requesters.delete(id);
      this.forgetSent(id);
    }
  }

  private forgetSent(snapshotId: string): void {
    const sent = this.sent.get(snapshotId);
    if (!sent) return;
    clearTimeout(sent.timer);
    this.sent.delete(snapshotId);
    if (sent.duplicates > 0) {
      this.logger.debug('Snapshot finished; duplicates left out', { snapshot_id: snapshotId, sent: sent.ids.size, duplicates: sent.duplicates });
    }
  }

  /** True the first time an object id arrives for this snapshot. */
  private firstTime(snapshotId: string, objectId: string): boolean {
    let sent = this.sent.get(snapshotId);
    if (!sent) {
      const timer = setTimeout(() => this.forgetSent(snapshotId), this.dedupeIdleMs);
      timer.unref();
      sent = { ids: new SeenIds(), timer, refreshedAt: Date.now(), duplicates: 0 };
      this.sent.set(snapshotId, sent);
    } else {
      const now = Date.now();
      if (now - sent.refreshedAt >= Math.min(REFRESH_EVERY_MS, this.dedupeIdleMs / 10)) {
        sent.timer.refresh();
        sent.refreshedAt = now;
      }
    }
    if (sent.ids.add(objectId)) return true;
    sent.duplicates++;
    return false;
  }

  push(message: Message): void {
    if (message.type === 'snapshotrequest') this.answer(message);
    else if (message.type === 'snapshotenvelope') this.route(message);
  }

  private answer(request: SnapshotRequest): void {
    this.logger.debug('Received SnapshotRequest', { snapshot_id: request.snapshot_id, snapshot_type: request.snapshot_type, seconds: request.snapshot });
    const requester = this.requesters.get(request.snapshot_id);
    for (const { name, plugin } of this.apps()) {
      if (!plugin.snapshot) continue;
      const send = (body: Indicator | Sighting): Promise<void> => {
        const expected = request.snapshot_type === MessageType.INDICATOR ? 'indicator' : 'sighting';
        if (body.type !== expected) return Promise.reject(new TypeError(`snapshot ${request.snapshot_id} wants ${expected}s, got a ${body.type}`));
        return this.publish(createSnapshotEnvelope(request.snapshot_type, request.snapshot_id, body));
      };
      const task = plugin
        .snapshot(request, { requester, send })
        .catch((e) => this.logger.error(`App '${name}' failed to answer a snapshot request`, { snapshot_id: request.snapshot_id, error: e }))
        .finally(() => this.inFlight.delete(task));
      this.inFlight.add(task);
    }
  }

  private route(envelope: SnapshotEnvelope): void {
    const requester = this.requesters.get(envelope.snapshot_id);
    if (!requester) {
      // Another bus instance's snapshot (shared backbone), or one whose subscriber left.
      this.logger.debug('Ignoring SnapshotEnvelope for a snapshot this instance did not request', { snapshot_id: envelope.snapshot_id });
      return;
    }
    if (!this.firstTime(envelope.snapshot_id, envelope.body.id)) return;
    requester.push(envelope.body);
  }

  /** Wait for snapshot hooks still running (used on shutdown). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    for (const id of [...this.sent.keys()]) this.forgetSent(id);
  }
}
