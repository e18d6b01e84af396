/**
 * The in-memory backbone: every published message goes straight to this
 * process's subscribers. It is the default when no backbone is configured.
 *
 * Delivery is synchronous into the subscribers' bounded queues, so a slow
 * subscriber never slows the producer; see queue.ts for what happens when a
 * subscriber's queue is full.
 */
import { defineBackbonePlugin } from '../plugin';
import type { BackbonePlugin, BackboneContext } from '../plugin';
import type { Message } from '../messages';

class InMemoryBackbone implements BackbonePlugin {
  private running = false;
  constructor(private readonly ctx: BackboneContext<Record<string, never>>) {}

  async start(): Promise<void> {
    this.running = true;
    this.ctx.logger.info('In-memory backbone started');
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.ctx.logger.info('In-memory backbone stopped');
  }

  publish(message: Message): Promise<void> {
    if (!this.running) return Promise.reject(new Error('in-memory backbone is not running'));
    this.ctx.deliver(message);
    return Promise.resolve();
  }
}

export const inmemBackbone = defineBackbonePlugin<Record<string, never>>({
  name: 'inmem',
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: (ctx) => new InMemoryBackbone(ctx),
});
