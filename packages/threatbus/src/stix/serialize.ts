/**
 * Serialisation of STIX objects in the property order of the Python stix2
 * library (core.md §10.2): declared properties first, custom ones sorted.
 */
import { pythonJsonStringify } from '../pyjson';
import { INDICATOR_PROPERTY_ORDER, SIGHTING_PROPERTY_ORDER } from './types';
import type { StixObject } from './types';

function orderFor(type: unknown): readonly string[] {
  if (type === 'indicator') return INDICATOR_PROPERTY_ORDER;
  if (type === 'sighting') return SIGHTING_PROPERTY_ORDER;
  return ['type', 'spec_version', 'id', 'created', 'modified'];
}

/** A copy of `obj` with its keys in wire order (nested STIX objects in custom properties are ordered too). */
export function orderStixProperties<T extends object>(obj: T): T {
  const source = obj as Record<string, unknown>;
  const order = orderFor(source.type);
  const out: Record<string, unknown> = {};
  for (const key of order) if (source[key] !== undefined) out[key] = source[key];
  const custom = Object.keys(source).filter((k) => !order.includes(k) && source[k] !== undefined).sort();
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
