/**
 * The RabbitMQ backbone: every message published by any bus instance on the
 * exchange reaches the local subscribers of every instance, this one
 * included (local delivery goes through the broker, as in the original, so
 * all instances see the same messages in the same order).
 *
 * Metrics (docs/observability.md): peer `amqp` is up while both the
 * publisher's and the consumer's connections are (readiness waits for it),
 * messages_out counts what the broker confirmed, messages_in what came from
 * the queue onto the local bus, drops are malformed messages from the queue
 * (`invalid`), a full publish buffer (`queue_full`) and messages the broker
 * kept refusing (`error`); queue_depth is the publish buffer, read at scrape
 * time.
 */
import type { BackboneContext, BackbonePlugin, Message } from 'threatbus';
import { queueName } from './config';
import type { RabbitMqConfig } from './config';
import { buildEndpoint } from './endpoint';
import { Consumer } from './consumer';
import { Publisher } from './publisher';
import { RabbitMqConnectError } from './link';

/** How long stop() waits for the broker to confirm messages still pending. */
const STOP_CONFIRM_TIMEOUT_MS = 5000;

export class RabbitMqBackbone implements BackbonePlugin {
  private consumer?: Consumer;
  private publisher?: Publisher;
  private running = false;
  /** Which of the two connections is up; the peer `amqp` is up when both are. */
  private readonly links = { publisher: false, consumer: false };

  constructor(private readonly ctx: BackboneContext<RabbitMqConfig>) {}

  async start(): Promise<void> {
    const { config, logger, metrics } = this.ctx;
    metrics.peer('amqp', false, 'connecting');
    metrics.queueDepth(() => this.publisher?.backlog ?? 0);
    if (config.url !== undefined && config.host !== undefined) {
      logger.warn('Both url and host are configured; using url (host, port, username, password and vhost are ignored)');
    }
    const queue = queueName(config.queue);
    const name = (role: string) => `threatbus ${queue} ${role}`;
    const publisher = (this.publisher = new Publisher({
      config,
      endpoint: buildEndpoint(config, name('publisher')),
      logger,
      metrics,
      onLink: (up) => this.link('publisher', up),
    }));
    // Publishing waits for this instance's queue to be bound (again, after a broker restart).
    this.consumer = new Consumer({
      config,
      endpoint: buildEndpoint(config, name('consumer')),
      logger,
      deliver: (m) => {
        metrics.messageIn(m.type);
        this.ctx.deliver(m);
      },
      onLink: (up) => this.link('consumer', up),
      onMalformed: () => metrics.dropped('invalid'),
      onTopology: (bound) => publisher.setTopologyReady(bound),
    });
    const display = buildEndpoint(config, '').display;
    try {
      await this.consumer.start();
      await this.publisher.start();
    } catch (e) {
      await this.halt();
      // A RabbitMqConnectError already is one line naming the broker and what went wrong.
      if (e instanceof RabbitMqConnectError) throw e;
      throw new Error(`cannot connect to RabbitMQ at ${display}: ${(e as Error).message}`, { cause: e });
    }
    this.running = true;
    logger.info(`RabbitMQ backbone connected to ${display}, exchange '${config.exchange_name}' (fanout), queue '${queue}'`, {
      durable: config.queue.durable,
      prefetch: config.prefetch,
    });
  }

  private link(role: 'publisher' | 'consumer', up: boolean): void {
    this.links[role] = up;
    const both = this.links.publisher && this.links.consumer;
    // Before the first start completed, a connection not yet open is "connecting".
    this.ctx.metrics.peer('amqp', both, both ? 'connected' : this.running ? 'reconnecting' : 'connecting');
  }

  /**
   * Deliveries start only once the bus has started its apps: messages waiting
   * in a durable queue then reach the subscriptions apps made while starting,
   * instead of being handed to nobody.
   */
  onBusReady(): void {
    if (this.running) this.consumer?.begin();
  }

  async stop(): Promise<void> {
    if (!this.consumer && !this.publisher) return;
    this.running = false;
    await this.halt();
    this.ctx.logger.info('RabbitMQ backbone stopped');
  }

  private async halt(): Promise<void> {
    const { consumer, publisher } = this;
    this.consumer = undefined;
    this.publisher = undefined;
    await Promise.all([consumer?.stop(), publisher?.stop(STOP_CONFIRM_TIMEOUT_MS)]);
  }

  publish(message: Message): Promise<void> {
    if (!this.running || !this.publisher) return Promise.reject(new Error('RabbitMQ backbone is not running'));
    return this.publisher.publish(message);
  }

  /** Messages waiting for the broker's confirm (diagnostics, tests). */
  get backlog(): number {
    return this.publisher?.backlog ?? 0;
  }
}
