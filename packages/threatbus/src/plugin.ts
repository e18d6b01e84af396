/**
 * The plugin contract. A plugin package (`threatbus-<something>`) declares
 * itself in its package.json:
 *
 *     "threatbus": { "kind": "app", "name": "misp" }
 *
 * and its main module exports a definition as `default` (or `plugin`):
 *
 *     export default defineAppPlugin({ name: 'misp', configSchema, create: (ctx) => new MispApp(ctx) });
 *
 * `name` is the key of the plugin's section in the config
 * (`plugins.apps.misp`). The core validates that section against
 * `configSchema` (JSON schema, defaults filled in) before `create` is called,
 * so `ctx.config` is typed and trustworthy.
 *
 * Plugins use only what the context gives them: the bus (publish, subscribe,
 * unsubscribe), a logger carrying their name, and their config.
 */
import type { Logger } from './logging';
import type { PluginMetrics } from './metrics/types';
import type { Message, SnapshotRequest } from './messages';
import type { MessageSubscriber } from './runtime/queue';
import type { PublishOptions } from './runtime/delivery';
import type { Indicator, Sighting } from './stix/types';

/** A JSON schema object (draft-07, as ajv takes it). */
export type JsonSchema = Record<string, unknown>;

export type PluginKind = 'app' | 'backbone';

interface PluginDefinitionBase<C> {
  /** Config key under `plugins.apps` / `plugins.backbones`. */
  name: string;
  /** Schema of the plugin's config section; `default` keywords are applied. Absent: any mapping. */
  configSchema?: JsonSchema;
  /** Config keys (dotted, relative to the plugin's section) masked by `--print-config`, in addition to any key named like a password, secret, token or key. */
  secrets?: string[];
  /**
   * Optional checks a JSON schema cannot say clearly (e.g. "exactly one of
   * `zmq` and `kafka`"). Runs after schema validation succeeded, at plan time,
   * so `threatbus --check` reports them with every other problem. Return
   * problems with `path` relative to the plugin's section ('' for the section
   * itself).
   */
  validate?(config: C): PluginConfigProblem[];
}

/** A problem found by a plugin's own `validate`. */
export interface PluginConfigProblem {
  /** Dotted key path relative to the plugin's section, '' for the section itself. */
  path: string;
  message: string;
}

export interface PluginContext<C> {
  /** The plugin's config section, validated, with defaults. */
  config: C;
  logger: Logger;
  /** Metrics labelled with this plugin's config key, and peer status for `/readyz` (docs/observability.md). */
  metrics: PluginMetrics;
}

// ---------------------------------------------------------------- apps

export interface SubscribeOptions {
  /** Ask apps that hold history for the last N seconds of messages on this topic (spec/core.md §8). 0 or absent: none. */
  snapshotSeconds?: number;
}

export interface SubscribeResult {
  /** Set when a snapshot was requested; envelopes carrying this id reach only this subscriber. */
  snapshotId?: string;
}

/** The bus as an app sees it. */
export interface AppBus {
  /**
   * Put a message on the bus. Resolves once the backbone has accepted it
   * (in-memory: handed to local subscribers; RabbitMQ: confirmed by the
   * broker). Rejects when the backbone cannot take it.
   *
   * `options.onDelivered` hears `delivered(options.token)` once every local
   * subscriber has taken the message (in-memory backbone), or once the
   * broker confirmed it (RabbitMQ: the durability point); never when the
   * publish rejects. See delivery.ts and docs/reliability.md.
   */
  publish(message: Message, options?: PublishOptions): Promise<void>;
  /** Deliver messages whose routing topic starts with `topic` to `subscriber`. */
  subscribe(topic: string, subscriber: MessageSubscriber, options?: SubscribeOptions): SubscribeResult;
  /** Remove exactly the registration made by `subscribe(topic, subscriber)`. */
  unsubscribe(topic: string, subscriber: MessageSubscriber): void;
}

/** How an app answers a snapshot request. */
export interface SnapshotReply {
  /** The local subscriber that asked, when it lives in this bus process; an app forwarding requests to its own clients must skip it. */
  readonly requester?: MessageSubscriber;
  /** Send one historic indicator or sighting to the requester (wrapped in a SnapshotEnvelope). */
  send(body: Indicator | Sighting): Promise<void>;
}

export interface AppContext<C> extends PluginContext<C> {
  bus: AppBus;
}

export interface AppPlugin {
  /** Connect, bind, start workers. Resolve when running; reject to abort the bus start. */
  start(): Promise<void>;
  /** Stop workers and release sockets. Must not throw for a plugin that never started. */
  stop(): Promise<void>;
  /**
   * Optional, for apps that take messages from outside and acknowledge them
   * upstream (the MISP Kafka intake): stop taking new ones, keep what is
   * needed to acknowledge the rest. At shutdown the bus calls it on every
   * app first, then waits until the messages in flight have reached their
   * subscribers (at most 5 s), then calls `stop()` on every app (where the
   * intake makes its final acknowledgement), then stops the backbones.
   */
  stopIntake?(): Promise<void>;
  /** Optional: answer a snapshot request with historic data. Errors are logged by the core, never fatal. */
  snapshot?(request: SnapshotRequest, reply: SnapshotReply): Promise<void>;
}

export interface AppPluginDefinition<C = Record<string, unknown>> extends PluginDefinitionBase<C> {
  kind: 'app';
  create(ctx: AppContext<C>): AppPlugin;
}

// ----------------------------------------------------------- backbones

export interface BackboneContext<C> extends PluginContext<C> {
  /**
   * Hand a message that arrived through this backbone to the local
   * subscribers. Synchronous: when it returns, every matching subscriber has
   * it, so a backbone may acknowledge the message upstream.
   */
  deliver(message: Message): void;
}

export interface BackbonePlugin {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Move a message to every bus instance on this backbone (including this one, through `deliver`). */
  publish(message: Message): Promise<void>;
  /**
   * Optional: called once every app has started and made its subscriptions.
   * A backbone that holds messages from before this instance started (a
   * durable queue) should begin consuming here, so they reach the apps'
   * subscribers instead of being delivered to nobody.
   */
  onBusReady?(): void;
}

export interface BackbonePluginDefinition<C = Record<string, unknown>> extends PluginDefinitionBase<C> {
  kind: 'backbone';
  create(ctx: BackboneContext<C>): BackbonePlugin;
}

export type PluginDefinition = AppPluginDefinition<never> | BackbonePluginDefinition<never>;

/** Identity helpers that give plugin authors type inference for `ctx.config`. */
export function defineAppPlugin<C>(def: Omit<AppPluginDefinition<C>, 'kind'>): AppPluginDefinition<C> {
  return { kind: 'app', ...def };
}

export function defineBackbonePlugin<C>(def: Omit<BackbonePluginDefinition<C>, 'kind'>): BackbonePluginDefinition<C> {
  return { kind: 'backbone', ...def };
}

/** The `threatbus` field of a plugin package's package.json. */
export interface PluginManifest {
  kind: PluginKind;
  name: string;
}
