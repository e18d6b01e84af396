/**
 * threatbus-file-sink: an example app plugin (docs/plugins.md walks through
 * it). It appends every indicator and sighting on the bus to a file, one JSON
 * object per line, in the bus's wire encoding.
 *
 * The pattern every app follows: subscribe a bounded MessageQueue (the bus
 * never waits for a slow app; a full queue drops the oldest message and says
 * so), drain it in one async loop, and on stop unsubscribe, let the loop
 * finish what is queued, release the file.
 */
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { once } from 'node:events';
import { ErrorCode, MessageQueue, ThreatBusError, defineAppPlugin, encodeMessage, warnOnOverflow } from 'threatbus';
import type { AppContext, AppPlugin, Message } from 'threatbus';

export interface FileSinkConfig {
  /** File the lines are appended to; created if missing. */
  path: string;
  /** Topic to subscribe to; `stix2` (the default) carries indicators and sightings. */
  topic: string;
}

export const configSchema = {
  type: 'object',
  required: ['path'],
  additionalProperties: false,
  properties: {
    path: { type: 'string', minLength: 1 },
    topic: { type: 'string', default: 'stix2' },
  },
};

export class FileSinkApp implements AppPlugin {
  /** Lines written so far. */
  written = 0;
  private queue?: MessageQueue;
  private out?: WriteStream;
  private writer?: Promise<void>;

  constructor(private readonly ctx: AppContext<FileSinkConfig>) {}

  async start(): Promise<void> {
    if (this.queue) return;
    const { config, logger, bus } = this.ctx;
    const out = await openForAppend(config.path);
    out.on('error', (error) => logger.error('Cannot write to the file', { path: config.path, error }));
    const queue = new MessageQueue({ onOverflow: warnOnOverflow(logger, 'file-sink') });
    bus.subscribe(config.topic, queue);
    this.out = out;
    this.queue = queue;
    this.writer = this.drain(queue, out);
    logger.info(`File sink writing '${config.topic}' to ${config.path}`);
  }

  async stop(): Promise<void> {
    const { queue, out, writer } = this;
    if (!queue || !out) return;
    this.queue = undefined;
    this.out = undefined;
    this.ctx.bus.unsubscribe(this.ctx.config.topic, queue);
    queue.close();
    await writer;
    await new Promise<void>((resolve) => out.end(resolve));
  }

  private async drain(queue: MessageQueue, out: WriteStream): Promise<void> {
    for await (const message of queue) {
      if (!isStix(message)) continue;
      if (!out.write(encodeMessage(message) + '\n')) await Promise.race([once(out, 'drain'), once(out, 'close')]);
      this.written++;
    }
  }
}

function isStix(message: Message): boolean {
  return message.type === 'indicator' || message.type === 'sighting';
}

/** Open `path` for appending; a path that cannot be opened fails the start with one clear line. */
function openForAppend(path: string): Promise<WriteStream> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(path, { flags: 'a' });
    out.once('open', () => resolve(out));
    out.once('error', (e) => reject(new ThreatBusError(ErrorCode.CONFIG_INVALID, `plugins.apps.file-sink.path: cannot open '${path}' for appending: ${e.message}`, { cause: e })));
  });
}

export const plugin = defineAppPlugin<FileSinkConfig>({
  name: 'file-sink',
  configSchema,
  create: (ctx) => new FileSinkApp(ctx),
});

export default plugin;
