/**
 * Serialisation of STIX objects in the property order of the Python stix2
 * library (core.md §10.2): declared properties first, custom ones sorted.
 */
import { pythonJsonStringify } from '../pyjson';
import { INDICATOR_PROPERTY_ORDER, SIGHTING_PROPERTY_ORDER } from './types';
import type { StixObject } from './types';

interface PropertyOrder {
  list: readonly string[];
  set: ReadonlySet<string>;
}

const order = (list: readonly string[]): PropertyOrder => ({ list, set: new Set(list) });
const INDICATOR_ORDER = order(INDICATOR_PROPERTY_ORDER);
const SIGHTING_ORDER = order(SIGHTING_PROPERTY_ORDER);
const OTHER_ORDER = order(['type', 'spec_version', 'id', 'created', 'modified']);

function orderFor(type: unknown): PropertyOrder {
  if (type === 'indicator') return INDICATOR_ORDER;
  if (type === 'sighting') return SIGHTING_ORDER;
  return OTHER_ORDER;
}

/** A copy of `obj` with its keys in wire order (nested STIX objects in custom properties are ordered too). */
export function orderStixProperties<T extends object>(obj: T): T {
  const source = obj as Record<string, unknown>;
  const { list, set } = orderFor(source.type);
  const out: Record<string, unknown> = {};
  for (const key of list) if (source[key] !== undefined) out[key] = source[key];
  let custom: string[] | undefined;
  for (const key in source) if (!set.has(key) && source[key] !== undefined) (custom ??= []).push(key);
  if (!custom) return out as T;
  custom.sort();
  for (const key of custom) {
    const value = source[key];
    out[key] = isStixObjectLike(value) ? orderStixProperties(value) : value;
  }
  return out as T;
}

function isStixObjectLike(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) &&
    typeof (value as Record<string, unknown>).type === 'string' && typeof (value as Record<string, unknown>).id === 'string';
}

/** The JSON text the original emitted for this object (Python `json.dumps` style). */
export function serializeStix(obj: StixObject): string {
  return pythonJsonStringify(orderStixProperties(obj));
}
