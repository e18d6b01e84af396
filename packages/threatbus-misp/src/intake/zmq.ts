/**
 * Intake from MISP's ZeroMQ publisher (spec/misp.md §4.1): a SUB socket connected
 * to `tcp://<host>:<port>`, subscribed to `misp_json_attribute`; each frame
 * is `"<topic> <json>"`.
 *
 * ZeroMQ reconnects by itself when MISP restarts; this code never closes
 * the socket on an error, only on stop. ZeroMQ needs no acknowledgement, so
 * frames are handed to the bus without waiting for each publish (an await
 * chain per message was a good part of the intake's cost); every
 * IN_FLIGHT_CHECK-th publish is awaited, so a slow backbone still pushes back
 * into ZeroMQ's queue instead of piling up promises.
 *
 * Hostile input (issue 13.2/13.3): frames larger than `max_message_size` are
 * dropped by ZeroMQ itself (ZMQ_MAXMSGSIZE; it then drops the connection to
 * MISP and reconnects) and checked again before they become strings; bad
 * frames are logged at most once per cause every 10 s and counted; the
 * receive loop never ends before stop, and a socket that breaks is replaced
 * with backoff.
 *
 * libzmq does not reconnect a connecting socket after a protocol error (an
 * over-size message under ZMQ_MAXMSGSIZE, or bytes that are not ZMTP): it
 * drops that connection for good. So a disconnect that libzmq does not follow
 * with a reconnect attempt within RECONNECT_GRACE_MS replaces the socket.
 *
 * Metrics (docs/observability.md): a SUB socket cannot see its publisher,
 * but its connect and disconnect events tell whether the TCP connection to
 * MISP is up: `threatbus_peer_up{peer="zmq"}` follows them. Messages dropped
 * here count as `oversize`, `invalid` (not `<topic> <json>`) and `filtered`
 * (another topic with our prefix).
 */
import type * as Zmq from 'zeromq';
import { LogLimiter } from 'threatbus';
import type { Logger, PluginMetrics } from 'threatbus';
import type { ZmqConfig } from '../config';
import { CONFIG_PATH } from '../config';
import { requireOptional } from './optional';

export const ZMQ_TOPIC = 'misp_json_attribute';

/** Publishes started between two waits for the bus. */
const IN_FLIGHT_CHECK = 256;
const MAX_CONSECUTIVE_ERRORS = 3;
const MIN_RESTART_MS = 100;
const MAX_RESTART_MS = 5_000;
const RECONNECT_GRACE_MS = 300;

/** What the intake dropped, by cause. */
export interface ZmqIntakeCounters {
  frames: number;
  oversize: number;
  malformed: number;
  other_topic: number;
  receive_errors: number;
  restarts: number;
  /** Connections libzmq dropped for a protocol error and did not retry (the socket was replaced). */
  dropped_connections: number;
}

/** Split `"<topic> <json>"` at the first space; null when there is none. */
export function splitFrame(frame: string): { topic: string; payload: string } | null {
  const i = frame.indexOf(' ');
  if (i < 0) return null;
  return { topic: frame.slice(0, i), payload: frame.slice(i + 1) };
}

export function loadZeromq(load?: () => unknown): typeof Zmq {
  return requireOptional<typeof Zmq>('zeromq', `${CONFIG_PATH}.zmq`, 'ZeroMQ', load);
}

export class ZmqReceiver {
  private socket?: Zmq.Subscriber;
  private loop?: Promise<void>;
  private stopping = false;
  private wakeSleep?: () => void;
  /** Log lines at most once per cause every 10 s. */
  private readonly limiter: LogLimiter;
  readonly counters: ZmqIntakeCounters = { frames: 0, oversize: 0, malformed: 0, other_topic: 0, receive_errors: 0, restarts: 0, dropped_connections: 0 };
  readonly endpoint: string;

  constructor(
    private readonly config: ZmqConfig,
    /** Handles one payload; returns a promise (that never rejects) when the bus is still taking it. */
    private readonly onPayload: (json: string, where: string) => Promise<unknown> | undefined,
    private readonly logger: Logger,
    private readonly metrics: Pick<PluginMetrics, 'dropped' | 'peer'>,
  ) {
    this.endpoint = `tcp://${config.host}:${config.port}`;
    this.limiter = new LogLimiter(logger);
  }

  start(): void {
    // Down until the SUB socket's first connect event: /readyz waits for MISP.
    this.metrics.peer('zmq', false, 'connecting');
    this.socket = this.open();
    this.loop = this.run();
  }

  private open(): Zmq.Subscriber {
    const zmq = loadZeromq();
    const socket = new zmq.Subscriber({ maxMessageSize: this.config.max_message_size });
    this.watchConnection(socket);
    socket.connect(this.endpoint);
    socket.subscribe(ZMQ_TOPIC);
    return socket;
  }

  /**
   * Close `socket` (the loop then replaces it) when libzmq gave up its
   * connection after a protocol error. Reads the events with `receive()`, not
   * `events.on()`: zeromq.js's emitter mode `require`s lazily, which breaks
   * under test runners that load the native module once for several files.
   */
  private watchConnection(socket: Zmq.Subscriber): void {
    const events = socket.events;
    let abandoned: NodeJS.Timeout | undefined;
    const settle = (): void => {
      if (abandoned) clearTimeout(abandoned);
      abandoned = undefined;
    };
    const giveUp = (): void => {
      abandoned = undefined;
      if (this.stopping || socket.closed) return;
      this.counters.dropped_connections++;
      this.limited('warn', 'dropped-connection', 'ZeroMQ dropped the connection to MISP after a protocol error (an over-size or malformed message); reconnecting', {
        source: `zmq ${this.endpoint}`,
        max_message_size: this.config.max_message_size,
      });
      socket.close();
    };
    void (async () => {
      try {
        while (!events.closed) {
          const event = await events.receive();
          if (event.type === 'disconnect') {
            settle();
            if (!this.stopping) this.metrics.peer('zmq', false, 'reconnecting');
            abandoned = setTimeout(giveUp, RECONNECT_GRACE_MS);
          } else if (event.type === 'connect') {
            settle();
            if (!this.stopping) this.metrics.peer('zmq', true, 'connected');
          } else if (event.type === 'connect:retry') {
            settle();
          }
        }
      } catch {
        // The observer closes with its socket.
      } finally {
        settle();
      }
    })();
  }

  private async run(): Promise<void> {
    const where = `zmq ${this.endpoint}`;
    let started = 0;
    let errors = 0;
    while (!this.stopping) {
      const socket = this.socket as Zmq.Subscriber;
      let frames: Buffer[];
      try {
        frames = await socket.receive();
        errors = 0;
      } catch (e) {
        if (this.stopping) return;
        this.counters.receive_errors++;
        this.limited('error', 'receive', 'ZeroMQ receive failed; continuing', { source: where, error: (e as Error).message });
        if (socket.closed || ++errors >= MAX_CONSECUTIVE_ERRORS) {
          await this.restart(where);
          errors = 0;
        }
        continue;
      }
      let publishing: Promise<unknown> | undefined;
      try {
        publishing = this.take(frames, where);
      } catch (e) {
        // onPayload promises not to throw; should it, the loop still goes on.
        this.limited('error', 'handler', 'Handling a ZeroMQ message failed; dropped it', { source: where, error: (e as Error).message });
      }
      if (publishing !== undefined && ++started >= IN_FLIGHT_CHECK) {
        started = 0;
        await publishing;
      }
    }
  }

  /** One received message → the payload handed on, or a counted, rate-limited log line. */
  private take(frames: Buffer[], where: string): Promise<unknown> | undefined {
    this.counters.frames++;
    const max = this.config.max_message_size;
    const bytes = frames.reduce((n, f) => n + f.length, 0);
    if (bytes > max) {
      this.counters.oversize++;
      this.metrics.dropped('oversize');
      this.limited('warn', 'oversize', 'Skipping an over-size ZeroMQ message', { source: where, bytes, max_message_size: max, dropped_total: this.counters.oversize });
      return undefined;
    }
    const text = frames[0].toString('utf8');
    const split = splitFrame(text);
    let payload: string;
    if (split) {
      if (split.topic !== ZMQ_TOPIC) {
        this.counters.other_topic++;
        this.metrics.dropped('filtered');
        this.logger.debug('Ignoring ZeroMQ message with another topic', { source: where, topic: split.topic.slice(0, 100) });
        return undefined;
      }
      payload = split.payload;
    } else if (text === ZMQ_TOPIC && frames.length > 1) {
      // Topic and body as separate frames: not what MISP sends, but unambiguous.
      payload = frames[1].toString('utf8');
    } else {
      this.counters.malformed++;
      this.metrics.dropped('invalid');
      this.limited('error', 'malformed', 'Skipping ZeroMQ message that is not "<topic> <json>"', { source: where, text: text.slice(0, 200), dropped_total: this.counters.malformed });
      return undefined;
    }
    return this.onPayload(payload, where);
  }

  /** Replace the socket (closed under us, or failing), retrying with backoff until stop. */
  private async restart(where: string): Promise<void> {
    if (this.socket && !this.socket.closed) this.socket.close();
    for (let delay = MIN_RESTART_MS; !this.stopping; delay = Math.min(MAX_RESTART_MS, delay * 2)) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        this.wakeSleep = () => {
          clearTimeout(t);
          resolve();
        };
      });
      if (this.stopping) return;
      try {
        this.socket = this.open();
        this.counters.restarts++;
        this.limited('warn', 'replaced', 'ZeroMQ intake socket replaced', { source: where, restarts: this.counters.restarts });
        return;
      } catch (e) {
        this.logger.error('ZeroMQ intake socket could not be replaced; retrying', { source: where, error: (e as Error).message });
      }
    }
  }

  private limited(level: 'warn' | 'error', cause: string, message: string, meta: Record<string, unknown>): void {
    this.limiter[level](cause, message, meta);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeSleep?.();
    this.socket?.close();
    await this.loop;
    this.socket = undefined;
  }
}
