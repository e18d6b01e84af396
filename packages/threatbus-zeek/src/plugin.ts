/**
 * The Zeek app: connects out to every configured Zeek, sends indicators as
 * `<NS>::intel` events, publishes `<NS>::sighting` events as STIX Sightings.
 *
 * Each Zeek gets its own bus subscription while it is connected, so a
 * snapshot requested on (re)connect reaches that Zeek only, and nothing
 * queues up for a Zeek that is away (the snapshot on reconnect fills the gap
 * when `snapshot` is set).
 */
import { readFileSync } from 'node:fs';
import { createMessageMemo, Topic } from 'threatbus';
import type { AppContext, AppPlugin, Logger, Message, MessageSubscriber } from 'threatbus';
import type { ClientOptions } from 'ws';
import type { BrokerData } from './broker-data';
import { endpointUrl } from './config';
import type { EndpointConfig, ZeekConfig } from './config';
import { ZeekConnection } from './connection';
import { indicatorToIntelItem, intelItemToEvent } from './intel-mapping';
import { BrokerDecodeError } from './broker-data';
import { dataToEvent, encodeEventMessage } from './messages';
import { eventToManagement, eventToSighting, localEventName } from './zeek-events';

const DAY = 86_400;

/** An indicator encoded once for all Zeeks: the frame text, or null when Zeek cannot take it. */
type Encoded = { text: string; eventName: string } | null;

interface Peer {
  url: string;
  connection: ZeekConnection;
  subscriber?: MessageSubscriber;
}

export class ZeekApp implements AppPlugin {
  private readonly config: ZeekConfig;
  private readonly logger: Logger;
  private readonly peers: Peer[] = [];
  private readonly encoded = createMessageMemo<Encoded>('threatbus-zeek.event');
  private running = false;

  constructor(private readonly ctx: AppContext<ZeekConfig>) {
    this.config = ctx.config;
    this.logger = ctx.logger;
  }

  /** Connected Zeeks (for tests and status). */
  get connections(): readonly ZeekConnection[] {
    return this.peers.map((p) => p.connection);
  }

  async start(): Promise<void> {
    const c = this.config;
    // Build every connection first, so a missing TLS file aborts the start before anything connects.
    for (const endpoint of c.endpoints) {
      const url = endpointUrl(endpoint);
      // The handlers run only once the connection is up, after `peer` below exists.
      const connection = new ZeekConnection(
        {
          url,
          subscriptions: [c.sighting_topic, c.management_topic],
          wsOptions: this.wsOptions(endpoint),
          ackTimeoutMs: c.ack_timeout * 1000,
          pingIntervalMs: c.ping_interval * 1000,
          reconnect: { initialDelayMs: c.reconnect.initial_delay * 1000, maxDelayMs: c.reconnect.max_delay * 1000 },
          logger: this.logger,
        },
        {
          onReady: (info) => this.onReady(peer, info),
          onLost: () => {
            this.ctx.metrics.peer(url, false, 'reconnecting');
            this.detach(peer);
          },
          onData: (topic, data) => this.onData(peer, topic, data),
        },
      );
      const peer: Peer = { url, connection };
      this.peers.push(peer);
      // Declared down until the first ack, so /readyz waits for every Zeek.
      this.ctx.metrics.peer(url, false, 'connecting');
    }
    const unverified = c.endpoints.filter((e) => e.verify === false).map(endpointUrl);
    if (unverified.length > 0) {
      this.logger.warn(`TLS certificate verification is off (verify: false) for Zeek at ${unverified.join(', ')}: anyone on the path can impersonate that Zeek; set ca: to Zeek's CA instead`);
    }
    this.running = true;
    for (const p of this.peers) p.connection.start();
    this.logger.info(`Zeek plugin started, connecting to ${this.peers.map((p) => p.url).join(', ')}`, {
      module_namespace: c.module_namespace,
      snapshot_days: c.snapshot,
    });
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const p of this.peers) this.detach(p);
    await Promise.all(this.peers.map((p) => p.connection.stop()));
    this.logger.info('Zeek plugin stopped');
  }

  private wsOptions(e: EndpointConfig): ClientOptions {
    const read = (what: string, path?: string): Buffer | undefined => {
      if (path === undefined) return undefined;
      try {
        return readFileSync(path);
      } catch (err) {
        throw new Error(`plugins.apps.zeek: cannot read the TLS ${what} file ${path}: ${(err as Error).message}`);
      }
    };
    const options: ClientOptions = {
      headers: { 'X-Application-Name': e.application_name ?? this.config.application_name },
      ca: read('CA', e.ca),
      cert: read('certificate', e.cert),
      key: read('key', e.key),
      passphrase: e.passphrase,
      rejectUnauthorized: e.verify ?? true,
    };
    for (const k of Object.keys(options) as (keyof ClientOptions)[]) if (options[k] === undefined) delete options[k];
    return options;
  }

  // ------------------------------------------------------------ intel out

  private onReady(peer: Peer, info: { endpoint: string; version: string; reconnected: boolean }): void {
    if (!info.reconnected) this.logger.info(`Connected to Zeek at ${peer.url}`, { zeek_version: info.version, zeek_endpoint: info.endpoint });
    this.ctx.metrics.peer(peer.url, true);
    this.attach(peer, this.config.snapshot * DAY);
  }

  /** Subscribe this Zeek to indicators, asking for a snapshot of `snapshotSeconds` (0: none). */
  private attach(peer: Peer, snapshotSeconds: number): void {
    const previous = peer.subscriber;
    const subscriber: MessageSubscriber = { push: (m) => this.deliver(peer, m) };
    peer.subscriber = subscriber;
    const { snapshotId } = this.ctx.bus.subscribe(Topic.INDICATOR, subscriber, snapshotSeconds > 0 ? { snapshotSeconds } : {});
    // Subscribe before unsubscribing, so no live indicator falls between the two.
    if (previous) this.ctx.bus.unsubscribe(Topic.INDICATOR, previous);
    this.countSubscribers();
    if (snapshotId) this.logger.info(`Requested a snapshot of ${snapshotSeconds / DAY} days for Zeek at ${peer.url}`, { snapshot_id: snapshotId });
  }

  private detach(peer: Peer): void {
    if (!peer.subscriber) return;
    this.ctx.bus.unsubscribe(Topic.INDICATOR, peer.subscriber);
    peer.subscriber = undefined;
    this.countSubscribers();
  }

  private countSubscribers(): void {
    this.ctx.metrics.subscribers(this.peers.filter((p) => p.subscriber).length);
  }

  /** Called by the router, synchronously: must not throw. */
  private deliver(peer: Peer, message: Message): void {
    try {
      const encoded = this.encode(message);
      if (!encoded) {
        this.ctx.metrics.dropped('not_mappable');
        return;
      }
      if (!peer.connection.sendEncoded(encoded)) {
        this.ctx.metrics.dropped('peer_down');
        this.logger.debug(`Zeek at ${peer.url} is not connected, indicator not sent`, { id: (message as { id?: string }).id });
        return;
      }
      this.ctx.metrics.messageOut(message.type);
      if (this.logger.isDebugEnabled()) this.logger.debug(`Sent ${encoded.eventName} to Zeek at ${peer.url}`, { id: (message as { id?: string }).id });
    } catch (e) {
      this.ctx.metrics.dropped('error');
      this.logger.error(`Error sending an indicator to Zeek at ${peer.url}`, { error: e });
    }
  }

  /** Map and encode a message once, however many Zeeks receive it. */
  private encode(message: Message): Encoded {
    const cached = this.encoded.get(message);
    if (cached !== undefined) return cached;
    let result: Encoded = null;
    const mapped = indicatorToIntelItem(message);
    if (mapped.ok) {
      const event = intelItemToEvent(mapped.item, this.config.module_namespace);
      result = { text: encodeEventMessage(this.config.intel_topic, event), eventName: event.name };
    } else {
      this.logger.debug(`Skipping indicator for Zeek: ${mapped.reason}`, { id: (message as { id?: string }).id });
    }
    this.encoded.set(message, result);
    return result;
  }

  // ------------------------------------------------------------ events in

  private onData(peer: Peer, topic: string, data: BrokerData): void {
    let event;
    try {
      event = dataToEvent(data);
    } catch (e) {
      if (!(e instanceof BrokerDecodeError)) throw e;
      this.ctx.metrics.dropped('invalid');
      this.logger.warn(`Ignoring a data message from Zeek at ${peer.url} that is not a Zeek event: ${e.problem}`, { topic });
      return;
    }
    const ns = this.config.module_namespace;
    const local = localEventName(event.name, ns);
    if (local === 'sighting') {
      const mapped = eventToSighting(event, ns);
      if (!mapped.ok) {
        this.ctx.metrics.dropped('invalid');
        this.logger.warn(`Dropping a sighting from Zeek at ${peer.url}: ${mapped.reason}`, { topic });
        return;
      }
      this.logger.debug('Received sighting', { zeek: peer.url, sighting_of_ref: mapped.sighting.sighting_of_ref });
      this.ctx.bus.publish(mapped.sighting).catch((e) => this.logger.error('Could not publish a sighting from Zeek', { zeek: peer.url, error: e }));
      return;
    }
    const request = eventToManagement(event, ns);
    if (request?.kind === 'Subscription') {
      // threatbus.zeek sends this when a client connects and Tenzir::snapshot_intel is set.
      this.logger.info(`Zeek at ${peer.url} asks for a snapshot of ${request.snapshotSeconds / DAY} days`, { topic: request.topic });
      if (peer.connection.isReady && request.snapshotSeconds > 0) this.attach(peer, request.snapshotSeconds);
      return;
    }
    if (request?.kind === 'Unsubscription') {
      this.logger.debug(`Ignoring ${event.name} from Zeek at ${peer.url}: a connected Zeek stays subscribed`, { topic });
      return;
    }
    this.logger.debug(`Discarding event with unknown type from Zeek at ${peer.url}: ${event.name}`, { topic });
  }
}
