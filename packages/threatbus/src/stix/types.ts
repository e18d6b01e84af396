/**
 * STIX 2.1 objects as the bus carries them: plain JSON-shaped objects.
 *
 * Only Indicator and Sighting travel on the bus (spec/core.md §1). Timestamps are
 * kept as their RFC 3339 strings (always UTC with `Z`), so an object read off
 * the wire is re-emitted with the same instant and precision.
 */

/** Value of `x_threatbus_update` on an Indicator (spec/core.md §6.2). */
export const Operation = { EDIT: 'EDIT', REMOVE: 'REMOVE' } as const;
export type Operation = (typeof Operation)[keyof typeof Operation];

/** Value of `x_threatbus_match_type` on a Sighting (spec/core.md §6.3). */
export const MatchType = { LIVE: 'LIVE', RETRO: 'RETRO' } as const;
export type MatchType = (typeof MatchType)[keyof typeof MatchType];

/** `<type>--<uuid>` */
export type StixId = string;
/** RFC 3339 UTC timestamp ending in `Z`. */
export type StixTimestamp = string;

export interface ExternalReference {
  source_name: string;
  description?: string;
  url?: string;
  hashes?: Record<string, string>;
  external_id?: string;
}

export interface KillChainPhase {
  kill_chain_name: string;
  phase_name: string;
}

export interface GranularMarking {
  lang?: string;
  marking_ref?: StixId;
  selectors: string[];
}

/** Properties common to STIX Domain and Relationship Objects. */
export interface StixCommonProperties {
  spec_version: '2.1';
  id: StixId;
  created_by_ref?: StixId;
  created: StixTimestamp;
  modified: StixTimestamp;
  revoked?: boolean;
  labels?: string[];
  confidence?: number;
  lang?: string;
  external_references?: ExternalReference[];
  object_marking_refs?: StixId[];
  granular_markings?: GranularMarking[];
  extensions?: Record<string, unknown>;
  /** Custom properties. STIX allows any lower-case name; the bus uses `x_*`. */
  [custom: `x_${string}`]: unknown;
}

export interface Indicator extends StixCommonProperties {
  type: 'indicator';
  name?: string;
  description?: string;
  indicator_types?: string[];
  pattern: string;
  pattern_type: string;
  pattern_version?: string;
  valid_from: StixTimestamp;
  valid_until?: StixTimestamp;
  kill_chain_phases?: KillChainPhase[];
  /** Absent = add or update; `REMOVE` = withdraw this IoC. */
  x_threatbus_update?: Operation;
}

export interface Sighting extends StixCommonProperties {
  type: 'sighting';
  description?: string;
  first_seen?: StixTimestamp;
  last_seen?: StixTimestamp;
  count?: number;
  sighting_of_ref: StixId;
  observed_data_refs?: StixId[];
  where_sighted_refs?: StixId[];
  summary?: boolean;
  x_threatbus_sighting_context?: unknown;
  x_threatbus_indicator?: Indicator;
  x_threatbus_indicator_value?: string;
  x_threatbus_match_type?: MatchType;
  x_threatbus_source?: string;
}

export type StixObject = Indicator | Sighting;

/**
 * Declaration order of the properties, as the Python stix2 library emits them
 * (spec/core.md §10.2). Custom properties follow in alphabetical order.
 */
export const INDICATOR_PROPERTY_ORDER = [
  'type', 'spec_version', 'id', 'created_by_ref', 'created', 'modified', 'name', 'description',
  'indicator_types', 'pattern', 'pattern_type', 'pattern_version', 'valid_from', 'valid_until',
  'kill_chain_phases', 'revoked', 'labels', 'confidence', 'lang', 'external_references',
  'object_marking_refs', 'granular_markings', 'extensions',
] as const;

export const SIGHTING_PROPERTY_ORDER = [
  'type', 'spec_version', 'id', 'created_by_ref', 'created', 'modified', 'description',
  'first_seen', 'last_seen', 'count', 'sighting_of_ref', 'observed_data_refs',
  'where_sighted_refs', 'summary', 'revoked', 'labels', 'confidence', 'lang',
  'external_references', 'object_marking_refs', 'granular_markings', 'extensions',
] as const;
