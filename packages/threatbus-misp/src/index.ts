/**
 * threatbus-misp: MISP attributes in over ZeroMQ or Kafka, sightings and
 * snapshots over MISP's REST API. The package exports the plugin definition
 * and its config types; tests import internals from their files.
 */
import { defineAppPlugin } from 'threatbus';
import { configSchema, configProblems } from './config';
import type { MispConfig } from './config';
import { MispApp } from './plugin';

const plugin = defineAppPlugin<MispConfig>({
  name: 'misp',
  configSchema,
  secrets: ['api.key'],
  validate: configProblems,
  create: (ctx) => new MispApp(ctx),
});

export default plugin;
export { plugin };
export type { MispConfig, ApiConfig, ZmqConfig, KafkaConfig } from './config';
export type { MispFilter } from './mapping/filter';
// The attribute/sighting mapping is public through its own subpath, `threatbus-misp/mapping`.
