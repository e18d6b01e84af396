/**
 * threatbus-rabbitmq: the distributed backbone. Several Threat Bus
 * instances on one RabbitMQ (or cluster) exchange every message.
 */
import { defineBackbonePlugin } from 'threatbus';
import { configSchema, secretKeys } from './config';
import type { RabbitMqConfig } from './config';
import { RabbitMqBackbone } from './backbone';

export const plugin = defineBackbonePlugin<RabbitMqConfig>({
  name: 'rabbitmq',
  configSchema,
  secrets: secretKeys,
  create: (ctx) => new RabbitMqBackbone(ctx),
});

export default plugin;
export type { RabbitMqConfig, QueueConfig, TlsConfig, ReconnectConfig } from './config';
