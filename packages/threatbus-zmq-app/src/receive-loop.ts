/**
 * A receive loop that does not end until it is told to.
 *
 * Bad input never ends it: the handler's errors are caught per message. A
 * failing `receive()` is logged (rate-limited) and retried; when the socket
 * itself is gone (closed under us) or keeps failing, it is replaced by a fresh
 * one bound to the same port, with backoff (100 ms doubling to 5 s).
 */
import type { Logger } from 'threatbus';
import type { LogLimiter } from 'threatbus';

/** What the loop needs of a zeromq.js socket. */
export interface ReceivingSocket {
  receive(): Promise<Buffer[]>;
  close(): void;
  readonly closed: boolean;
}

export interface ReceiveLoopOptions<S extends ReceivingSocket> {
  /** Cause prefix and what the log lines call the socket, e.g. `management`. */
  name: string;
  /** A fresh socket, bound and ready (throws when it cannot be bound). */
  open: () => Promise<S>;
  /** One received message; may be async (the loop waits: back-pressure). */
  handle: (parts: Buffer[], socket: S) => Promise<void> | void;
  logger: Logger;
  limited: LogLimiter;
}

/** Consecutive receive errors after which the socket is replaced. */
const MAX_CONSECUTIVE_ERRORS = 3;
const MIN_RESTART_MS = 100;
const MAX_RESTART_MS = 5_000;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class ReceiveLoop<S extends ReceivingSocket> {
  private stopping = false;
  private wakeSleep?: () => void;
  /** Times the socket was replaced. */
  restarts = 0;
  readonly done: Promise<void>;

  constructor(
    /** The socket in use; replaced on restart. */
    public socket: S,
    private readonly options: ReceiveLoopOptions<S>,
  ) {
    this.done = this.run();
  }

  stop(): Promise<void> {
    this.stopping = true;
    this.wakeSleep?.();
    if (!this.socket.closed) this.socket.close();
    return this.done;
  }

  private async run(): Promise<void> {
    const { name, limited } = this.options;
    let errors = 0;
    while (!this.stopping) {
      let parts: Buffer[];
      try {
        parts = await this.socket.receive();
        errors = 0;
      } catch (e) {
        if (this.stopping) return;
        errors++;
        limited.error(`${name}.receive`, `ZeroMQ ${name} socket: receive failed; continuing`, { error: message(e), socket_closed: this.socket.closed });
        if (this.socket.closed || errors >= MAX_CONSECUTIVE_ERRORS) {
          await this.restart();
          errors = 0;
        }
        continue;
      }
      try {
        await this.options.handle(parts, this.socket);
      } catch (e) {
        // The handlers catch what they expect; whatever is left must not end the loop.
        limited.error(`${name}.handler`, `ZeroMQ ${name} socket: handling a message failed; dropped it`, { error: message(e) });
      }
    }
  }

  /** Replace the socket, retrying with backoff until it binds or the loop stops. */
  private async restart(): Promise<void> {
    const { name, logger } = this.options;
    if (!this.socket.closed) this.socket.close();
    for (let delay = MIN_RESTART_MS; !this.stopping; delay = Math.min(MAX_RESTART_MS, delay * 2)) {
      await this.sleep(delay);
      if (this.stopping) return;
      try {
        const socket = await this.options.open();
        if (this.stopping) return socket.close();
        this.socket = socket;
        this.restarts++;
        logger.warn(`ZeroMQ ${name} socket restarted`, { restarts: this.restarts });
        return;
      } catch (e) {
        logger.error(`ZeroMQ ${name} socket could not be reopened; retrying`, { error: message(e), retry_in_ms: Math.min(MAX_RESTART_MS, delay * 2) });
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(t);
        self.wakeSleep = undefined;
        resolve();
      }
      this.wakeSleep = done;
    });
  }
}
