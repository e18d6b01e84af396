export * from './types';
export * from './timestamp';
export { StixValidationError } from './errors';
export { parseIndicator, parseSighting, parseStixObject, isStixId, newStixId } from './parse';
export { serializeStix, orderStixProperties } from './serialize';
export { createIndicator, createSighting } from './create';
export type { CreateIndicatorOptions } from './create';
export type { IndicatorInit, SightingInit } from './create';
export * from './pattern';
