/**
 * The probe app: a plugin that stands for "every other app on the bus" in a
 * plugin's tests. It subscribes while starting and records what it gets,
 * publishes what the test gives it, and answers snapshot requests from a
 * history, like an intel source would.
 */
import { defineAppPlugin } from '../plugin';
import type { AppBus, AppPluginDefinition, SnapshotReply } from '../plugin';
import { MessageType, isIndicator, isSighting } from '../messages';
import type { Message, SnapshotRequest } from '../messages';
import type { Indicator, Sighting } from '../stix/types';

export interface ProbeOptions {
  /** Config key of the app; default `probe`. */
  name?: string;
  /** Topics subscribed while starting; default `['stix2']` (indicators and sightings). */
  topics?: string[];
  /** Ask for a snapshot of this many seconds with each subscription (0: none, the default). */
  snapshotSeconds?: number;
  /** What the probe answers snapshot requests with: the items of the requested type. */
  history?: (Indicator | Sighting)[];
}

export interface Probe {
  definition: AppPluginDefinition<Record<string, unknown>>;
  readonly name: string;
  /** Every message delivered to the probe's subscriptions, in order. */
  readonly received: Message[];
  /** Snapshot requests the bus asked the probe to answer. */
  readonly snapshotRequests: SnapshotRequest[];
  indicators(): Indicator[];
  sightings(): Sighting[];
  /** Put a message on the bus as an app would. */
  publish(message: Message): Promise<void>;
  /** The bus as the probe sees it (throws before the bus created the probe). */
  bus(): AppBus;
  /** Forget what was received so far. */
  clear(): void;
}

export function probeApp(options: ProbeOptions = {}): Probe {
  const name = options.name ?? 'probe';
  const topics = options.topics ?? ['stix2'];
  const history = options.history ?? [];
  const received: Message[] = [];
  const snapshotRequests: SnapshotRequest[] = [];
  let appBus: AppBus | undefined;
  const subscriber = { push: (m: Message) => void received.push(m) };

  const definition = defineAppPlugin<Record<string, unknown>>({
    name,
    create: (ctx) => {
      appBus = ctx.bus;
      let subscribed = false;
      return {
        start: async () => {
          for (const t of topics) ctx.bus.subscribe(t, subscriber, { snapshotSeconds: options.snapshotSeconds });
          subscribed = true;
        },
        stop: async () => {
          if (subscribed) for (const t of topics) ctx.bus.unsubscribe(t, subscriber);
          subscribed = false;
        },
        snapshot: async (request: SnapshotRequest, reply: SnapshotReply) => {
          snapshotRequests.push(request);
          const wanted = request.snapshot_type === MessageType.INDICATOR ? 'indicator' : 'sighting';
          for (const item of history) if (item.type === wanted) await reply.send(item);
        },
      };
    },
  });

  const bus = (): AppBus => {
    if (!appBus) throw new Error(`the probe app '${name}' has not been created by a bus yet`);
    return appBus;
  };
  return {
    definition,
    name,
    received,
    snapshotRequests,
    indicators: () => received.filter(isIndicator),
    sightings: () => received.filter(isSighting),
    publish: (message) => bus().publish(message),
    bus,
    clear: () => void received.splice(0),
  };
}
