/**
 * Exchange and queue declarations as the original makes them
 * (spec/backbones.md §3.2), so a Python Threat Bus and this one can share a
 * broker: RabbitMQ refuses (and closes the channel on) a redeclaration whose
 * flags differ from the existing exchange or queue.
 *
 * One difference by default: the exchange is durable (`durable_exchange`),
 * so it and the bindings of durable queues survive a broker restart; the
 * original's non-durable exchange vanished with its bindings, and messages
 * published before the queues were bound again went nowhere (issue 13.5).
 * A bus sharing the original's exchange sets `durable_exchange: false`
 * (docs/reliability.md).
 */
import type { Channel } from 'amqplib';
import { queueDeclaration } from './config';
import type { QueueConfig } from './config';

/** Fanout, not auto-delete; durable unless `durable` is false (pika's default, the original's exchange). */
export async function declareExchange(channel: Channel, exchange: string, durable: boolean): Promise<void> {
  try {
    await channel.assertExchange(exchange, 'fanout', { durable, autoDelete: false, internal: false });
  } catch (e) {
    const message = (e as Error).message;
    if (!/PRECONDITION_FAILED/.test(message)) throw e;
    throw new Error(
      `exchange '${exchange}' exists with other flags than this bus declares (durable: ${durable}); ` +
        `a Python Threat Bus declares it non-durable: set durable_exchange: ${!durable} to share it, or use another exchange_name ` +
        `(${message.replace(/^.*PRECONDITION_FAILED - /, '').replace(/"$/, '')})`,
      { cause: e },
    );
  }
}

/** Declare this instance's queue and bind it to the exchange; returns the queue name. */
export async function declareQueue(channel: Channel, exchange: string, queue: QueueConfig): Promise<string> {
  const d = queueDeclaration(queue);
  await channel.assertQueue(d.queue, d.options);
  // Routing keys mean nothing to a fanout exchange; pika binds with the queue name, so do we.
  await channel.bindQueue(d.queue, exchange, d.queue);
  return d.queue;
}
