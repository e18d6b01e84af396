/**
 * The ZeroMQ app plugin: three sockets and their loops.
 *
 * - management (REP, `manage`): subscribe / unsubscribe / heartbeat;
 * - publisher (XPUB, `pub`): frames to apps; its subscription events tell
 *   when an app's SUB socket connects to its p2p topic;
 * - receiver (SUB, `sub`): frames from apps, into the bus.
 */
import { XPublisher, Reply, Subscriber as ZmqSubscriber } from 'zeromq';
import type { AppContext, AppPlugin, SnapshotReply, SnapshotRequest } from 'threatbus';
import type { ZmqAppConfig } from './config';
import { FrameSender } from './frame-sender';
import { InboundPublisher } from './inbound';
import { handleManagementFrame } from './management';
import { INBOUND_ENVELOPE_TOPIC, INBOUND_STIX_PREFIX, P2P_TOPIC_LENGTH } from './protocol';
import { SubscriptionRegistry } from './registry';
import type { CurveConfig } from './curve/config';
import { startCurve, warnIfUnauthenticated } from './curve/server';
import type { CurveServer } from './curve/server';

/** ZMTP heartbeats on the PUB socket, so a vanished app's connection (and so its `joined` state) ends. */
const ZMTP_HEARTBEAT_MS = 10_000;
const ZMTP_HEARTBEAT_TIMEOUT_MS = 30_000;

export interface BoundPorts {
  manage: number;
  pub: number;
  sub: number;
}

function portOf(endpoint: string | null): number {
  const m = /:(\d+)$/.exec(endpoint ?? '');
  if (!m) throw new Error(`cannot read the port of endpoint ${String(endpoint)}`);
  return Number(m[1]);
}

function endpoint(host: string, port: number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `tcp://${h}:${port === 0 ? '*' : port}`;
}

export class ZmqApp implements AppPlugin {
  private manage?: Reply;
  private pub?: XPublisher;
  private sub?: ZmqSubscriber;
  private sender?: FrameSender;
  private inbound?: InboundPublisher;
  private expiryTimer?: NodeJS.Timeout;
  private loops: Promise<void>[] = [];
  private stopping = false;
  /** The ports actually bound (differs from the config when it says 0). */
  ports?: BoundPorts;
  registry?: SubscriptionRegistry;
  /** CURVE on the three sockets (`curve` in the config, docs/security.md). */
  curve?: CurveServer;

  constructor(private readonly ctx: AppContext<ZmqAppConfig & { curve?: CurveConfig }>) {}

  async start(): Promise<void> {
    const { config, logger } = this.ctx;
    const ipv6 = config.host.includes(':');
    const curve = (this.curve = config.curve ? await startCurve(config.curve, logger, this.ctx.metrics) : undefined);
    if (!curve) warnIfUnauthenticated(config.host, logger);
    const secure = curve?.socketOptions ?? {};
    this.pub = new XPublisher({
      ...secure,
      linger: 0,
      ipv6,
      noDrop: true,
      sendTimeout: 0,
      sendHighWaterMark: config.pub_hwm,
      heartbeatInterval: ZMTP_HEARTBEAT_MS,
      heartbeatTimeout: ZMTP_HEARTBEAT_TIMEOUT_MS,
    });
    this.sub = new ZmqSubscriber({ ...secure, linger: 0, ipv6, receiveHighWaterMark: config.sub_hwm });
    this.manage = new Reply({ ...secure, linger: 0, ipv6 });
    const sender = (this.sender = new FrameSender(this.pub, logger));
    this.registry = new SubscriptionRegistry(
      this.ctx.bus,
      logger,
      {
        queueSize: config.queue_size,
        subscriptionTimeoutMs: config.subscription_timeout * 1000,
        joinTimeoutMs: config.join_timeout * 1000,
      },
      sender.wake,
      (s) => sender.forget(s),
    );
    this.inbound = new InboundPublisher((m) => this.ctx.bus.publish(m), logger);
    try {
      // Bind failures abort the start (the original logged "started" anyway, spec/quirks.md D8).
      await this.pub.bind(endpoint(config.host, config.pub));
      await this.sub.bind(endpoint(config.host, config.sub));
      await this.manage.bind(endpoint(config.host, config.manage));
    } catch (e) {
      this.closeSockets();
      await curve?.stop();
      throw new Error(`ZeroMQ app plugin cannot bind on ${config.host} (manage ${config.manage}, pub ${config.pub}, sub ${config.sub}): ${(e as Error).message}`);
    }
    this.sub.subscribe(INBOUND_STIX_PREFIX, INBOUND_ENVELOPE_TOPIC);
    for (const [name, socket] of [['manage', this.manage], ['pub', this.pub], ['sub', this.sub]] as const) curve?.watch(socket, name);
    this.ports = { manage: portOf(this.manage.lastEndpoint), pub: portOf(this.pub.lastEndpoint), sub: portOf(this.sub.lastEndpoint) };
    this.loops = [this.runManagement(), this.runReceiver(), this.runSubscriptionEvents()];
    this.scheduleExpiry();
    logger.info('ZeroMQ app plugin started', { host: config.host, ...this.ports, curve: curve ? (curve.authenticatesClients ? 'authorized keys' : 'any client key') : 'off' });
  }

  async stop(): Promise<void> {
    if (this.stopping || !this.pub) return;
    this.stopping = true;
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    this.sender?.stop();
    this.registry?.removeAll('Threat Bus stopping');
    this.closeSockets();
    await Promise.allSettled(this.loops);
    await this.curve?.stop();
    this.ctx.logger.info('ZeroMQ app plugin stopped');
  }

  /** Snapshot requests of other subscribers (of any bus instance) go to every zmq app but the requester. */
  async snapshot(request: SnapshotRequest, reply: SnapshotReply): Promise<void> {
    const n = this.registry?.forwardSnapshotRequest(request, reply.requester) ?? 0;
    this.ctx.logger.debug('Forwarded snapshot request to zmq apps', { snapshot_id: request.snapshot_id, subscriptions: n });
  }

  private closeSockets(): void {
    for (const s of [this.manage, this.pub, this.sub]) if (s && !s.closed) s.close();
  }

  private scheduleExpiry(): void {
    const timeoutMs = this.ctx.config.subscription_timeout * 1000;
    if (timeoutMs <= 0) return;
    const every = Math.min(30_000, Math.max(50, timeoutMs / 4));
    this.expiryTimer = setInterval(() => this.registry?.expire(), every);
    this.expiryTimer.unref();
  }

  private async runManagement(): Promise<void> {
    const socket = this.manage as Reply;
    const registry = this.registry as SubscriptionRegistry;
    const ports = this.ports as BoundPorts;
    try {
      for await (const [frame] of socket) {
        const reply = handleManagementFrame(frame, registry, ports, this.ctx.logger);
        await socket.send(reply);
      }
    } catch (e) {
      if (!this.stopping) this.ctx.logger.error('Management endpoint failed', { error: e });
    }
  }

  private async runReceiver(): Promise<void> {
    const socket = this.sub as ZmqSubscriber;
    const inbound = this.inbound as InboundPublisher;
    try {
      for await (const parts of socket) {
        if (parts.length > 1) this.ctx.logger.warn('Ignoring the extra parts of a multipart message from an app; send one frame "<topic> <json>"', { parts: parts.length });
        const wait = inbound.handle(parts[0].toString('utf8'));
        if (wait) await wait;
      }
    } catch (e) {
      if (!this.stopping) this.ctx.logger.error('Receiver failed', { error: e });
    }
  }

  /** XPUB subscription events: byte 1/0 + prefix. Only prefixes naming a p2p topic matter. */
  private async runSubscriptionEvents(): Promise<void> {
    const socket = this.pub as XPublisher;
    const registry = this.registry as SubscriptionRegistry;
    try {
      for await (const [event] of socket) {
        if (event.length < 1 + P2P_TOPIC_LENGTH || event[0] > 1) continue;
        registry.appSocket(event.toString('latin1', 1, 1 + P2P_TOPIC_LENGTH), event[0] === 1);
      }
    } catch (e) {
      if (!this.stopping) this.ctx.logger.error('Publisher subscription events failed', { error: e });
    }
  }
}
