/**
 * The ZeroMQ app plugin: three sockets and their loops.
 *
 * - management (ROUTER, `manage`; REQ clients see a REP): subscribe /
 *   unsubscribe / heartbeat;
 * - publisher (XPUB in manual mode, `pub`): frames to apps; its subscription
 *   events tell when an app's SUB socket connects to its p2p topic;
 * - receiver (SUB, `sub`): frames from apps, into the bus.
 *
 * Each socket is read by a ReceiveLoop, which never ends on bad input and
 * replaces the socket when it breaks.
 *
 * Metrics (docs/observability.md, README): messages_out per frame handed to
 * ZeroMQ, drops by reason (from the log causes, the queues and the sender),
 * subscribers and queue depth read at scrape time.
 */
import { Router, Subscriber as ZmqSubscriber } from 'zeromq';
import type { AppContext, AppPlugin, SnapshotReply, SnapshotRequest } from 'threatbus';
import type { ZmqAppConfig } from './config';
import { FrameSender } from './frame-sender';
import { InboundPublisher } from './inbound';
import { LogLimiter } from 'threatbus';
import { ManagementHandler } from './management';
import { INBOUND_ENVELOPE_TOPIC, INBOUND_STIX_PREFIX } from './protocol';
import { handleSubscriptionEvent, ManualXPublisher } from './publisher';
import { ReceiveLoop } from './receive-loop';
import { SubscriptionRegistry } from './registry';
import { startCurve, warnIfUnauthenticated } from './curve/server';
import type { CurveServer } from './curve/server';

/** ZMTP heartbeats on the PUB socket, so a vanished app's connection (and so its `joined` state) ends. */
const ZMTP_HEARTBEAT_MS = 10_000;
const ZMTP_HEARTBEAT_TIMEOUT_MS = 30_000;

/**
 * Log causes that mean a message (or a request) was received and not passed
 * on, and the reason they count under in threatbus_messages_dropped_total.
 */
const DROP_REASON_OF_CAUSE: Record<string, string> = {
  'inbound.oversize': 'oversize',
  'inbound.warn': 'invalid',
  'inbound.error': 'invalid',
  'inbound.publish': 'error',
  'management.snapshot-rate': 'rate_limited',
};

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

/** What the plugin dropped or refused, by cause (see README "Limits"). */
export interface ZmqAppCounters {
  /** Frames handed to ZeroMQ for apps. */
  sent: number;
  /** Messages that could not be encoded for an app, dropped for that app. */
  encode_errors: number;
  /** Frames from apps received and published into the bus. */
  received: number;
  /** Frames from apps dropped (bad frame, bad STIX, unknown topic, over-size). */
  inbound_dropped: number;
  /** Frames from apps dropped for their size (the part ZeroMQ did not drop first). */
  inbound_oversize: number;
  /** Times a socket was replaced after it broke. */
  socket_restarts: number;
  /** Every rate-limited log cause and how often it happened, logged or not. */
  causes: Record<string, number>;
}

export class ZmqApp implements AppPlugin {
  private sender?: FrameSender;
  private inbound?: InboundPublisher;
  private limited?: LogLimiter;
  private expiryTimer?: NodeJS.Timeout;
  private loops: ReceiveLoop<Router | ZmqSubscriber | ManualXPublisher>[] = [];
  private stopping = false;
  /** The CURVE server when `curve` is configured (docs/security.md). */
  curve?: CurveServer;
  /** The ports actually bound (differs from the config when it says 0). */
  ports?: BoundPorts;
  registry?: SubscriptionRegistry;

  constructor(private readonly ctx: AppContext<ZmqAppConfig>) {}

  get counters(): ZmqAppCounters {
    return {
      sent: this.sender?.sent ?? 0,
      encode_errors: this.sender?.encodeErrors ?? 0,
      received: this.inbound?.received ?? 0,
      inbound_dropped: this.inbound?.dropped ?? 0,
      inbound_oversize: this.inbound?.oversize ?? 0,
      socket_restarts: this.loops.reduce((n, l) => n + l.restarts, 0),
      causes: this.limited?.counts() ?? {},
    };
  }

  /** The sockets in use, by role (tests break them on purpose). */
  get sockets(): { manage?: Router; sub?: ZmqSubscriber; pub?: ManualXPublisher } {
    const [manage, sub, pub] = this.loops.map((l) => l.socket);
    return { manage: manage as Router | undefined, sub: sub as ZmqSubscriber | undefined, pub: pub as ManualXPublisher | undefined };
  }

  async start(): Promise<void> {
    const { config, logger } = this.ctx;
    const badInput = this.ctx.metrics.counter(
      'threatbus_zmq_bad_input_total',
      'Bad, refused or over-limit input on the zmq app sockets and messages it dropped, by cause (see the README, "Hostile input and limits")',
      ['cause'],
    );
    const metrics = this.ctx.metrics;
    const limited = (this.limited = new LogLimiter(logger, undefined, undefined, (cause) => {
      badInput.inc({ cause });
      const reason = DROP_REASON_OF_CAUSE[cause];
      if (reason) metrics.dropped(reason);
    }));
    const ipv6 = config.host.includes(':');
    const maxMessageSize = config.max_message_size;
    const curve = (this.curve = config.curve ? await startCurve(config.curve, logger, this.ctx.metrics) : undefined);
    if (!curve) warnIfUnauthenticated(config.host, logger);
    const secure = curve?.socketOptions ?? {};
    const watched = <S extends Router | ZmqSubscriber | ManualXPublisher>(socket: S, name: string): S => {
      curve?.watch(socket, name);
      return socket;
    };
    const openPub = (): ManualXPublisher =>
      watched(new ManualXPublisher({
        ...secure,
        linger: 0,
        ipv6,
        noDrop: true,
        sendTimeout: 0,
        sendHighWaterMark: config.pub_hwm,
        // Apps send only subscriptions here; anything bigger is not one.
        maxMessageSize: 4096,
        heartbeatInterval: ZMTP_HEARTBEAT_MS,
        heartbeatTimeout: ZMTP_HEARTBEAT_TIMEOUT_MS,
      }), 'pub');
    const openSub = (): ZmqSubscriber => watched(new ZmqSubscriber({ ...secure, linger: 0, ipv6, receiveHighWaterMark: config.sub_hwm, maxMessageSize }), 'sub');
    const openManage = (): Router => watched(new Router({ ...secure, linger: 0, ipv6, maxMessageSize }), 'manage');
    const pub = openPub();
    const sub = openSub();
    const manage = openManage();
    const sender = (this.sender = new FrameSender(pub, logger, limited, metrics));
    const registry = (this.registry = new SubscriptionRegistry(
      this.ctx.bus,
      logger,
      {
        queueSize: config.queue_size,
        subscriptionTimeoutMs: config.subscription_timeout * 1000,
        joinTimeoutMs: config.join_timeout * 1000,
        onDropped: (reason, count) => metrics.dropped(reason, count),
      },
      sender.wake,
      (s) => sender.forget(s),
    ));
    const inbound = (this.inbound = new InboundPublisher((m) => this.ctx.bus.publish(m), logger, limited, maxMessageSize));
    try {
      // Bind failures abort the start (the original logged "started" anyway, quirk D8).
      await pub.bind(endpoint(config.host, config.pub));
      await sub.bind(endpoint(config.host, config.sub));
      await manage.bind(endpoint(config.host, config.manage));
    } catch (e) {
      for (const s of [manage, pub, sub]) if (!s.closed) s.close();
      await this.curve?.stop();
      throw new Error(`ZeroMQ app plugin cannot bind on ${config.host} (manage ${config.manage}, pub ${config.pub}, sub ${config.sub}): ${(e as Error).message}`);
    }
    sub.subscribe(INBOUND_STIX_PREFIX, INBOUND_ENVELOPE_TOPIC);
    metrics.subscribers(() => registry.size);
    metrics.queueDepth(() => {
      let n = 0;
      for (const s of registry.all()) n += s.queue.size + (s.pendingFrame === undefined ? 0 : 1);
      return n;
    });
    const ports = (this.ports = { manage: portOf(manage.lastEndpoint), pub: portOf(pub.lastEndpoint), sub: portOf(sub.lastEndpoint) });
    const management = new ManagementHandler(registry, ports, logger, limited, {
      maxMessageSize,
      maxTopicsPerSubscription: config.max_topics_per_subscription,
      snapshotRequestsPerMinute: config.snapshot_requests_per_minute,
    });
    // A replaced socket binds the port actually bound first (a config port 0 must not move).
    const rebind = async <S extends Router | ZmqSubscriber | ManualXPublisher>(socket: S, port: number): Promise<S> => {
      try {
        await socket.bind(endpoint(config.host, port));
        return socket;
      } catch (e) {
        socket.close();
        throw e;
      }
    };
    const common = { logger, limited };
    this.loops = [
      new ReceiveLoop<Router | ZmqSubscriber | ManualXPublisher>(manage, {
        ...common,
        name: 'management',
        open: () => rebind(openManage(), ports.manage),
        handle: async (parts, socket) => {
          const reply = management.handleRouterMessage(parts);
          // A ROUTER drops replies to peers that are gone; it does not block.
          if (reply) await (socket as Router).send(reply);
        },
      }),
      new ReceiveLoop<Router | ZmqSubscriber | ManualXPublisher>(sub, {
        ...common,
        name: 'sub',
        open: async () => {
          const s = await rebind(openSub(), ports.sub);
          s.subscribe(INBOUND_STIX_PREFIX, INBOUND_ENVELOPE_TOPIC);
          return s;
        },
        handle: (parts) => inbound.handleParts(parts),
      }),
      new ReceiveLoop<Router | ZmqSubscriber | ManualXPublisher>(pub, {
        ...common,
        name: 'pub',
        open: async () => {
          const s = await rebind(openPub(), ports.pub);
          registry.allSocketsLost();
          sender.socket = s;
          return s;
        },
        handle: ([event], socket) => handleSubscriptionEvent(event, socket as ManualXPublisher, registry, limited),
      }),
    ];
    this.scheduleExpiry();
    logger.info('ZeroMQ app plugin started', {
      host: config.host,
      ...this.ports,
      curve: curve ? (curve.authenticatesClients ? 'authorized keys' : 'any client key') : 'off',
      max_message_size: maxMessageSize,
    });
  }

  async stop(): Promise<void> {
    if (this.stopping || this.loops.length === 0) return;
    this.stopping = true;
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    this.sender?.stop();
    this.registry?.removeAll('Threat Bus stopping');
    await Promise.allSettled(this.loops.map((l) => l.stop()));
    await this.curve?.stop();
    this.ctx.logger.info('ZeroMQ app plugin stopped');
  }

  /** Snapshot requests of other subscribers (of any bus instance) go to every zmq app but the requester. */
  async snapshot(request: SnapshotRequest, reply: SnapshotReply): Promise<void> {
    const n = this.registry?.forwardSnapshotRequest(request, reply.requester) ?? 0;
    this.ctx.logger.debug('Forwarded snapshot request to zmq apps', { snapshot_id: request.snapshot_id, subscriptions: n });
  }

  private scheduleExpiry(): void {
    const timeoutMs = this.ctx.config.subscription_timeout * 1000;
    if (timeoutMs <= 0) return;
    const every = Math.min(30_000, Math.max(50, timeoutMs / 4));
    this.expiryTimer = setInterval(() => this.registry?.expire(), every);
    this.expiryTimer.unref();
  }
}
