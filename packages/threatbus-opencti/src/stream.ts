/**
 * Reads OpenCTI's events stream (spec/opencti.md §1) and keeps reading:
 * resumes from the last event id (`Last-Event-ID`, exclusive, §1.2), watches
 * that data or heartbeats keep coming (§1.4: every 5 s), reconnects with
 * exponential backoff after a dropped, refused or silent connection, and
 * says each distinct problem once at error level (repeats at debug).
 *
 * Events are handed over one by one and the id is only advanced after the
 * handler finished, so a reconnect or restart re-reads at most the event
 * that was in hand, never skips one.
 */
import type { IncomingMessage } from 'node:http';
import { createParser } from 'eventsource-parser';
import type { EventSourceMessage } from 'eventsource-parser';
import { isJsonObject, sleepUnlessAborted } from 'threatbus';
import type { Logger } from 'threatbus';
import { OpenCtiError } from './client';
import type { OpenCtiClient } from './client';
import type { OpenCtiConfig } from './config';
import { EVENT_ID_RE } from './state';
import type { StreamState } from './state';
import { RateLimitedWarning } from './rate-limit';

export interface StreamCounters {
  /** Successful connections (the first one included). */
  connections: number;
  heartbeats: number;
  /** Data events handed to the handler. */
  events: number;
  /** SSE frames that could not be used (no event name, bad framing). */
  malformed: number;
}

/** Handles one data event; `where` names it for log lines. */
export type StreamEventHandler = (event: string, data: string, where: string) => Promise<void>;

const SILENT = 'silent';
/** Largest SSE message accepted (characters). */
const MAX_EVENT_CHARS = 32 * 1024 * 1024;

/** What a failed attempt means for the operator, in one line. */
export function describeStreamProblem(e: unknown, path: string): string {
  if (e instanceof OpenCtiError && e.status === 401) {
    return `${e.message} — check the token and, for a live stream, that the stream_id exists and the user may read it (raw /stream needs the BYPASS capability)`;
  }
  if (e instanceof OpenCtiError && e.status === 404) return `${e.message} — no stream at ${path}: check url and stream_id`;
  if (e instanceof OpenCtiError && e.status === 410) return `${e.message} — the live stream is stopped; start it in OpenCTI (Data sharing → Live streams)`;
  return e instanceof Error ? e.message : String(e);
}

/** `lastEventId` of a `connected` event (§1.4), if it is a stream id. */
function connectedLastEventId(data: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(data);
    const id = isJsonObject(parsed) ? parsed.lastEventId : undefined;
    return typeof id === 'string' && EVENT_ID_RE.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

export class StreamReader {
  readonly counters: StreamCounters = { connections: 0, heartbeats: 0, events: 0, malformed: 0 };
  private readonly abort = new AbortController();
  private loop?: Promise<void>;
  private readonly path: string;
  private readonly badFrames: RateLimitedWarning;

  constructor(
    private readonly client: OpenCtiClient,
    private readonly config: Pick<OpenCtiConfig, 'stream_id' | 'heartbeat_timeout' | 'reconnect'>,
    private readonly state: StreamState,
    private readonly handle: StreamEventHandler,
    private readonly logger: Logger,
    /** The stream's state for `/readyz` and `threatbus_peer_up`. */
    private readonly onPeer: (up: boolean, detail?: string) => void = () => {},
  ) {
    this.path = config.stream_id ? `stream/${encodeURIComponent(config.stream_id)}` : 'stream';
    this.badFrames = new RateLimitedWarning(logger, 'Skipping a malformed frame on the OpenCTI stream');
  }

  get url(): string {
    return this.client.url(this.path).toString();
  }

  start(): void {
    if (this.loop) return;
    this.onPeer(false, 'connecting');
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort(new Error('plugin stopping'));
    await this.loop;
    this.badFrames.flush();
  }

  private async run(): Promise<void> {
    const { initial_delay, max_delay } = this.config.reconnect;
    let delay = initial_delay * 1000;
    let lastProblem: string | undefined;
    while (!this.abort.signal.aborted) {
      let problem: string;
      let healthy = false;
      try {
        const from = this.state.lastEventId;
        const connection = new AbortController();
        const onStop = () => connection.abort(this.abort.signal.reason);
        this.abort.signal.addEventListener('abort', onStop, { once: true });
        try {
          const res = await this.client.openStream(this.path, from, connection.signal);
          this.counters.connections++;
          healthy = true;
          this.onPeer(true);
          this.logger.info('Connected to the OpenCTI events stream', { url: this.url, from: from ?? 'live events (no saved state)' });
          lastProblem = undefined;
          delay = initial_delay * 1000;
          problem = await this.consume(res, connection);
        } finally {
          this.abort.signal.removeEventListener('abort', onStop);
        }
      } catch (e) {
        if (this.abort.signal.aborted) break;
        problem = describeStreamProblem(e, this.path);
      }
      if (this.abort.signal.aborted) break;
      this.state.flush();
      this.onPeer(false, `reconnecting: ${problem.slice(0, 120)}`);
      if (problem !== lastProblem) {
        const log = healthy ? this.logger.warn.bind(this.logger) : this.logger.error.bind(this.logger);
        log(`OpenCTI events stream: ${problem}; reconnecting`, { url: this.url, retry_in_s: delay / 1000, from: this.state.lastEventId ?? 'live' });
      } else {
        this.logger.debug(`OpenCTI events stream: ${problem}; reconnecting`, { url: this.url, retry_in_s: delay / 1000 });
      }
      lastProblem = problem;
      await sleepUnlessAborted(delay, this.abort.signal);
      delay = Math.min(delay * 2, max_delay * 1000);
    }
  }

  /** Read one connection until it ends; returns why it ended. */
  private async consume(res: IncomingMessage, connection: AbortController): Promise<string> {
    const pending: EventSourceMessage[] = [];
    let oversized = false;
    const parser = createParser({
      onEvent: (message) => pending.push(message),
      onError: (e) => {
        if (e.type === 'max-buffer-size-exceeded') oversized = true;
        else this.badFrame(e.message);
      },
      // A peer that never ends a line must not take all memory; OpenCTI's events are far smaller.
      maxBufferSize: MAX_EVENT_CHARS,
    });
    const timeoutMs = this.config.heartbeat_timeout * 1000;
    let watchdog = setTimeout(silent, timeoutMs);
    function silent() {
      connection.abort(new Error(SILENT));
    }
    res.setEncoding('utf8');
    try {
      for await (const chunk of res as AsyncIterable<string>) {
        clearTimeout(watchdog);
        parser.feed(chunk);
        if (oversized) return `an event larger than ${MAX_EVENT_CHARS} characters`;
        for (const message of pending.splice(0)) {
          if (this.abort.signal.aborted) return 'stopping';
          try {
            await this.dispatch(message);
          } catch (e) {
            // The id was not advanced: the reconnect reads this event again.
            return `could not put event ${message.id ?? '(no id)'} on the bus (${(e as Error).message})`;
          }
        }
        watchdog = setTimeout(silent, timeoutMs);
      }
      return 'the stream ended';
    } catch (e) {
      if (connection.signal.reason instanceof Error && connection.signal.reason.message === SILENT) {
        return `no event or heartbeat for ${this.config.heartbeat_timeout}s`;
      }
      return `connection lost (${(e as Error).message})`;
    } finally {
      clearTimeout(watchdog);
      res.destroy();
    }
  }

  private async dispatch(message: EventSourceMessage): Promise<void> {
    const { event, id, data } = message;
    if (event === 'connected') {
      this.logger.debug('OpenCTI stream connected', { data: data.slice(0, 300) });
      // Live start: the stream's last id at connection time is where a reconnect continues,
      // so events between this connection and the first event or heartbeat are not lost.
      if (this.state.lastEventId === undefined) {
        const last = connectedLastEventId(data);
        if (last) this.state.update(last);
      }
      return;
    }
    if (event === 'heartbeat') {
      this.counters.heartbeats++;
      if (id) this.state.update(id);
      return;
    }
    if (!event) {
      this.badFrame(`a message without an event name (id ${JSON.stringify(id ?? null)})`);
      if (id) this.state.update(id);
      return;
    }
    this.counters.events++;
    await this.handle(event, data, id ? `event ${id}` : `an ${event} event without id`);
    if (id) this.state.update(id);
  }

  private badFrame(reason: string): void {
    this.counters.malformed++;
    this.badFrames.warn(reason, { url: this.url });
  }
}
