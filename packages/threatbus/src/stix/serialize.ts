/**
 * Serialisation of STIX objects in the property order of the Python stix2
 * library (spec/core.md §10.2): declared properties first, custom ones sorted.
 */
import { checkEncodeDepth, MAX_ENCODE_DEPTH, pythonJsonAt, pythonJsonString } from '../wire/pyjson';
import { INDICATOR_PROPERTY_ORDER, SIGHTING_PROPERTY_ORDER } from './types';
import type { StixObject } from './types';
import { isJsonObject } from '../wire/json-object';

interface PropertyOrder {
  list: readonly string[];
  set: ReadonlySet<string>;
  /** Position of each key of `list`. */
  index: ReadonlyMap<string, number>;
  /** `"<key>": ` for each key of `list`, written once instead of per message. */
  prefixes: readonly string[];
}

const order = (list: readonly string[]): PropertyOrder => ({
  list,
  set: new Set(list),
  index: new Map(list.map((k, i) => [k, i])),
  prefixes: list.map((k) => pythonJsonString(k) + ': '),
});
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
  return orderedAt(obj, 0);
}

function orderedAt<T extends object>(obj: T, depth: number): T {
  if (depth >= MAX_ENCODE_DEPTH) checkEncodeDepth(depth + 1);
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
    out[key] = isStixObjectLike(value) ? orderedAt(value, depth + 1) : value;
  }
  return out as T;
}

function isStixObjectLike(value: unknown): value is Record<string, unknown> {
  return isJsonObject(value) && typeof value.type === 'string' && typeof value.id === 'string';
}

/** The JSON text the original emitted for this object (Python `json.dumps` style). */
export function serializeStix(obj: StixObject): string {
  return stixJson(obj);
}

/**
 * `pythonJsonStringify(orderStixProperties(obj))` without the ordered copy:
 * writes the declared properties straight from `obj` in wire order,
 * then the custom ones sorted. This is the hot path of every message on
 * every wire; the copy made objects V8 keeps in dictionary mode.
 */
export function stixJson(obj: object, depth = 0): string {
  // Nested STIX-like objects recurse here, not in pythonJsonStringify: the same bound applies.
  if (depth >= MAX_ENCODE_DEPTH) checkEncodeDepth(depth + 1);
  return inWireOrder(obj as Record<string, unknown>, depth) ?? reordered(obj as Record<string, unknown>, depth);
}

/**
 * The text when `source`'s keys are already in wire order (objects the bus
 * builds itself are): one for-in walk, which V8 serves from the object's
 * enum cache. Undefined when they are not; then `reordered` does it.
 */
function inWireOrder(source: Record<string, unknown>, depth: number): string | undefined {
  const { index, prefixes } = orderFor(source.type);
  let out = '{';
  let sep = '';
  let lastDeclared = -1;
  let lastCustom: string | undefined;
  for (const key in source) {
    const value = source[key];
    if (value === undefined || typeof value === 'function') continue;
    const at = index.get(key);
    if (at !== undefined) {
      if (at < lastDeclared || lastCustom !== undefined) return undefined;
      lastDeclared = at;
      out += sep + prefixes[at] + pythonJsonAt(value, depth + 1);
    } else {
      if (lastCustom !== undefined && !(lastCustom < key)) return undefined;
      lastCustom = key;
      out += sep + pythonJsonString(key) + ': ' + (isStixObjectLike(value) ? stixJson(value, depth + 1) : pythonJsonAt(value, depth + 1));
    }
    sep = ', ';
  }
  return out + '}';
}

function reordered(source: Record<string, unknown>, depth: number): string {
  const { list, set, prefixes } = orderFor(source.type);
  let out = '{';
  let sep = '';
  for (let i = 0; i < list.length; i++) {
    const value = source[list[i]];
    if (value === undefined || typeof value === 'function') continue;
    out += sep + prefixes[i] + pythonJsonAt(value, depth + 1);
    sep = ', ';
  }
  let custom: string[] | undefined;
  for (const key in source) if (!set.has(key) && source[key] !== undefined) (custom ??= []).push(key);
  if (custom) {
    custom.sort();
    for (const key of custom) {
      const value = source[key];
      if (typeof value === 'function') continue;
      out += sep + pythonJsonString(key) + ': ' + (isStixObjectLike(value) ? stixJson(value, depth + 1) : pythonJsonAt(value, depth + 1));
      sep = ', ';
    }
  }
  return out + '}';
}
