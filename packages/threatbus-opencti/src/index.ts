/**
 * threatbus-opencti: OpenCTI indicators in from the live events stream,
 * sightings back and indicator snapshots over GraphQL. The package exports
 * the plugin definition, its config type and its error class; tests import
 * internals from their files.
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
export { plugin };
export type { OpenCtiConfig } from './config';
export { OpenCtiError } from './client';
