/**
 * threatbus-opencti: OpenCTI indicators in from the live events stream,
 * sightings back and indicator snapshots over GraphQL.
 */
import { defineAppPlugin } from 'threatbus';
import { configSchema, configProblems } from './config';
import type { OpenCtiConfig } from './config';
import { OpenCtiApp } from './plugin';

const plugin = defineAppPlugin<OpenCtiConfig>({
  name: 'opencti',
  configSchema,
  secrets: ['token'],
  validate: configProblems,
  create: (ctx) => new OpenCtiApp(ctx),
});

export default plugin;
export { plugin, OpenCtiApp };
export { configSchema, configProblems, CONFIG_PATH } from './config';
export type { OpenCtiConfig } from './config';
export { OpenCtiClient, OpenCtiError } from './client';
export { mapStreamEvent, toBusIndicator, isDetection, isWanted, extensionValue, OCTI_EXTENSION } from './mapping';
export type { Outcome, MappingOptions } from './mapping';
export { StreamReader, describeStreamProblem } from './stream';
export type { StreamCounters } from './stream';
export { StreamState, EVENT_ID_RE } from './state';
export { IntakeHandler } from './intake';
export type { IntakeCounters } from './intake';
export { SightingReporter, sightingInput, sightingDescription } from './sightings';
export type { SightingCounters } from './sightings';
export { answerSnapshot, snapshotVariables } from './snapshot';
export * as operations from './graphql';
