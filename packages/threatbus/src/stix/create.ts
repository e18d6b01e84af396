/**
 * Constructors with the defaults of the Python stix2 library (spec/core.md §10.1),
 * validated like objects parsed off the wire.
 */
import { checkIndicator, parseSighting } from './parse';
import type { Json } from './parse';
import { nowStixTimestamp } from './timestamp';
import type { Indicator, Sighting } from './types';

type Optional<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

export type IndicatorInit = Optional<Indicator, 'type' | 'spec_version' | 'id' | 'created' | 'modified' | 'valid_from'>;
export type SightingInit = Optional<Sighting, 'type' | 'spec_version' | 'id' | 'created' | 'modified'>;

export interface CreateIndicatorOptions {
  /**
   * Skip parsing the `stix` pattern (the costliest check; everything else is
   * still checked). Only for callers that write the pattern themselves from
   * escaped constants and test that every pattern they can write parses,
   * like the MISP mapping; never for pattern text from outside.
   */
  patternIsWellFormed?: boolean;
}

/** Build a validated Indicator; id, created, modified and valid_from default to fresh values. */
export function createIndicator(init: IndicatorInit, options: CreateIndicatorOptions = {}): Indicator {
  const now = nowStixTimestamp();
  // One object literal with the common properties first: every indicator made here has the same
  // hidden class (init's own properties, e.g. x_threatbus_update, are added after), and the same
  // result as `{ type, spec_version, created, modified, valid_from, ...init }` parsed.
  const obj: Json = {
    type: 'indicator',
    spec_version: '2.1',
    id: undefined,
    created: now,
    modified: now,
    pattern: undefined,
    pattern_type: undefined,
    pattern_version: undefined,
    valid_from: now,
  };
  const source = init as unknown as Json;
  for (const key in source) if (Object.hasOwn(source, key)) obj[key] = source[key];
  const indicator = checkIndicator(obj, !options.patternIsWellFormed) as unknown as Json;
  // id was filled in and pattern/pattern_type are required; pattern_version stays unset for
  // non-stix patterns unless init set it. (Rare, so the delete, which costs the fast shape, is fine.)
  if (indicator.pattern_version === undefined && !('pattern_version' in source)) delete indicator.pattern_version;
  return indicator as unknown as Indicator;
}

/** Build a validated Sighting; id, created and modified default to fresh values. */
export function createSighting(init: SightingInit): Sighting {
  const now = nowStixTimestamp();
  return parseSighting({
    type: 'sighting',
    spec_version: '2.1',
    created: init.created ?? now,
    modified: init.modified ?? now,
    ...init,
  });
}
