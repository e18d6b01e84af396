/**
 * The MISP ↔ STIX-2.1 mapping (spec/misp.md), for tools that convert MISP
 * attributes and sightings without running the plugin: `threatbus-misp/mapping`.
 */
export { mapAttribute, buildPattern, checkAttribute, ACTIONS } from './attribute';
export type { MispAttribute, MispAction } from './attribute';
export { mapSighting } from './sighting';
export type { MispSighting } from './sighting';
export { isWhitelisted, getTags } from './filter';
export type { MispFilter } from './filter';
export { MispMappingError } from './errors';
