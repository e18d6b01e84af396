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
 */
import type * as Zmq from 'zeromq';
import type { Logger } from 'threatbus';
import type { ZmqConfig } from '../config';
import { CONFIG_PATH } from '../config';
import { requireOptional } from './optional';

export const ZMQ_TOPIC = 'misp_json_attribute';

/** Publishes started between two waits for the bus. */
const IN_FLIGHT_CHECK = 256;

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
  readonly endpoint: string;

  constructor(
    config: ZmqConfig,
    /** Handles one payload; returns a promise (that never rejects) when the bus is still taking it. */
    private readonly onPayload: (json: string, where: string) => Promise<unknown> | undefined,
    private readonly logger: Logger,
  ) {
    this.endpoint = `tcp://${config.host}:${config.port}`;
  }

  start(): void {
    const zmq = loadZeromq();
    const socket = new zmq.Subscriber();
    socket.connect(this.endpoint);
    socket.subscribe(ZMQ_TOPIC);
    this.socket = socket;
    this.loop = this.run(socket);
  }

  private async run(socket: Zmq.Subscriber): Promise<void> {
    const where = `zmq ${this.endpoint}`;
    let started = 0;
    while (!socket.closed) {
      let frames: Buffer[];
      try {
        frames = await socket.receive();
      } catch (e) {
        if (socket.closed) return;
        // Not expected from a SUB socket; log and keep receiving rather than ending the intake.
        this.logger.error('ZeroMQ receive failed', { source: where, error: (e as Error).message });
        continue;
      }
      const text = frames[0].toString('utf8');
      const split = splitFrame(text);
      let payload: string;
      if (split) {
        if (split.topic !== ZMQ_TOPIC) {
          this.logger.debug('Ignoring ZeroMQ message with another topic', { source: where, topic: split.topic });
          continue;
        }
        payload = split.payload;
      } else if (text === ZMQ_TOPIC && frames.length > 1) {
        // Topic and body as separate frames: not what MISP sends, but unambiguous.
        payload = frames[1].toString('utf8');
      } else {
        this.logger.error('Skipping ZeroMQ message that is not "<topic> <json>"', { source: where, text: text.slice(0, 200) });
        continue;
      }
      const publishing = this.onPayload(payload, where);
      if (publishing !== undefined && ++started >= IN_FLIGHT_CHECK) {
        started = 0;
        await publishing;
      }
    }
  }

  async stop(): Promise<void> {
    this.socket?.close();
    await this.loop;
    this.socket = undefined;
  }
}
