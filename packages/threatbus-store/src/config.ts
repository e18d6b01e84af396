/**
 * Config of `plugins.apps.store`: JSON schema with defaults. Times are in
 * the units an operator thinks in (days for retention, seconds for
 * intervals), converted to milliseconds where they are used.
 */
import type { JsonSchema } from 'threatbus';

export interface StoreConfig {
  /** SQLite file; relative paths resolve against the bus's working directory. */
  path: string;
  /** Days a sighting is kept (by its `modified`, or `created` if later). */
  sighting_retention: number;
  /** Days a removal (tombstone) is remembered, so a late older copy of a removed indicator does not come back. */
  tombstone_retention: number;
  /** Live indicators kept at most; the oldest are evicted (with a warning) at each prune. 0: no bound. */
  max_indicators: number;
  /** Objects read from the database and sent per batch when answering a snapshot. */
  snapshot_page: number;
  /** Objects written per transaction. */
  batch_size: number;
  /** Seconds an incomplete batch waits before it is written anyway. */
  flush_interval: number;
  /** Seconds between prunes (expired indicators, old sightings and tombstones, the max_indicators bound). */
  prune_interval: number;
}

export const CONFIG_PATH = 'plugins.apps.store';

export const configSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    path: { type: 'string', minLength: 1, default: 'threatbus.db' },
    sighting_retention: { type: 'number', exclusiveMinimum: 0, default: 30 },
    tombstone_retention: { type: 'number', exclusiveMinimum: 0, default: 30 },
    max_indicators: { type: 'integer', minimum: 0, default: 0 },
    snapshot_page: { type: 'integer', minimum: 1, maximum: 100000, default: 1000 },
    batch_size: { type: 'integer', minimum: 1, maximum: 100000, default: 1000 },
    flush_interval: { type: 'number', exclusiveMinimum: 0, maximum: 60, default: 0.2 },
    prune_interval: { type: 'number', exclusiveMinimum: 0, default: 60 },
  },
};

export const DAY_MS = 86_400_000;
