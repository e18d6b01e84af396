/**
 * Constructors with the defaults of the Python stix2 library (core.md §10.1),
 * validated like objects parsed off the wire.
 */
import { parseIndicator, parseSighting } from './parse';
import { nowStixTimestamp } from './timestamp';
import type { Indicator, Sighting } from './types';

type Optional<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

export type IndicatorInit = Optional<Indicator, 'type' | 'spec_version' | 'id' | 'created' | 'modified' | 'valid_from'>;
export type SightingInit = Optional<Sighting, 'type' | 'spec_version' | 'id' | 'created' | 'modified'>;

/** Build a validated Indicator; id, created, modified and valid_from default to fresh values. */
export function createIndicator(init: IndicatorInit): Indicator {
  const now = nowStixTimestamp();
  return parseIndicator({
    type: 'indicator',
    spec_version: '2.1',
    created: init.created ?? now,
    modified: init.modified ?? now,
    valid_from: init.valid_from ?? now,
    ...init,
  });
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
