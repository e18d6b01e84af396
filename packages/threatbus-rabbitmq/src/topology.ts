/**
 * Exchange and queue declarations exactly as the original makes them
 * (spec/backbones.md §3.2), so a Python Threat Bus and this one can share a
 * broker: RabbitMQ refuses (and closes the channel on) a redeclaration whose
 * flags differ from the existing exchange or queue.
 */
import type { Channel } from 'amqplib';
import { queueDeclaration } from './config';
import type { QueueConfig } from './config';

/** Fanout, not durable, not auto-delete: pika's defaults. amqplib's default would be durable, which a Python bus's exchange is not. */
export async function declareExchange(channel: Channel, exchange: string): Promise<void> {
  await channel.assertExchange(exchange, 'fanout', { durable: false, autoDelete: false, internal: false });
}

/** Declare this instance's queue and bind it to the exchange; returns the queue name. */
export async function declareQueue(channel: Channel, exchange: string, queue: QueueConfig): Promise<string> {
  const d = queueDeclaration(queue);
  await channel.assertQueue(d.queue, d.options);
  // Routing keys mean nothing to a fanout exchange; pika binds with the queue name, so do we.
  await channel.bindQueue(d.queue, exchange, d.queue);
  return d.queue;
}
