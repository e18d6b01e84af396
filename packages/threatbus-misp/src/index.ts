/**
 * threatbus-misp: MISP attributes in over ZeroMQ or Kafka, sightings and
 * snapshots over MISP's REST API.
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
export { plugin, MispApp };
export { configSchema, checkIntake, intakeProblems, intakeLibraryProblems, apiProblems, configProblems } from './config';
export type { MispConfig, ApiConfig, ZmqConfig, KafkaConfig } from './config';
export { mapAttribute, buildPattern, checkAttribute, ACTIONS } from './mapping/attribute';
export type { MispAttribute, MispAction } from './mapping/attribute';
export { mapSighting } from './mapping/sighting';
export type { MispSighting } from './mapping/sighting';
export { isWhitelisted, getTags } from './mapping/filter';
export type { MispFilter } from './mapping/filter';
export { ruleFor, ipObjectType } from './mapping/type-rules';
export type { TypeRule } from './mapping/type-rules';
export { MISP_ATTRIBUTE_TYPES } from './mapping/misp-types';
export { typeTable, withTypeTable, TABLE_BEGIN, TABLE_END } from './mapping/table';
export { MispMappingError } from './mapping/errors';
export { MispClient, MispApiError } from './api/client';
export { SightingReporter } from './api/sightings';
export type { SightingCounters } from './api/sightings';
export { searchQueries, searchBody, attributesOf, answerSnapshot } from './api/snapshot';
export { AttributeHandler } from './intake/handler';
export type { IntakeCounters } from './intake/handler';
export { ZmqReceiver, splitFrame, ZMQ_TOPIC, loadZeromq } from './intake/zmq';
export { KafkaReceiver, loadRdKafka } from './intake/kafka';
export { MissingDependencyError, setPackageLoader } from './intake/optional';
export type { PackageLoader } from './intake/optional';
