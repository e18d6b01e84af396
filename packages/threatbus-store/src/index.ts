/**
 * threatbus-store: the bus remembers. An app plugin that keeps the current
 * indicators and recent sightings in SQLite, answers snapshot requests from
 * them, and (with the `threatbus-store` command) exports, imports and
 * reports on them.
 */
import { defineAppPlugin } from 'threatbus';
import { configSchema } from './config';
import type { StoreConfig } from './config';
import { StoreApp } from './plugin';

const plugin = defineAppPlugin<StoreConfig>({
  name: 'store',
  configSchema,
  create: (ctx) => new StoreApp(ctx),
});

export default plugin;
export { plugin, StoreApp };
export { configSchema, CONFIG_PATH } from './config';
export type { StoreConfig } from './config';
export { StoreDatabase } from './database';
export type { StoreStats, PruneResult, PruneLimits, OpenOptions } from './database';
export { readPages } from './reader';
export type { ReadQuery } from './reader';
export { toRow, sortableTimestamp, ObjectKind } from './rows';
export type { ObjectRow } from './rows';
export { BatchWriter } from './writer';
export { StoreError, StoreErrorCode, storeErrorFor } from './errors';
