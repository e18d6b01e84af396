/**
 * Parsing STIX 2.1 Indicators and Sightings off the wire (`unknown` in,
 * typed object or StixValidationError out). Rules follow what the original
 * accepted (spec/core.md §10.6): STIX 2.0 objects are refused, missing id and
 * timestamps are filled in, custom property names must start with a
 * lower-case letter, and stix patterns must parse.
 */
import { randomUUID } from 'node:crypto';
import { StixValidationError } from './errors';
import { isStixTimestamp, nowStixTimestamp } from './timestamp';
import { validatePattern } from './pattern';
import { isSimpleValidPattern } from './simple-pattern';
import { INDICATOR_PROPERTY_ORDER, SIGHTING_PROPERTY_ORDER } from './types';
import type { Indicator, Sighting, StixObject } from './types';
import { isJsonObject } from '../wire/json-object';
import { MAX_VALUE_DEPTH, pathTooDeep } from './nesting';

const TYPE_RE = /^[a-z0-9][a-z0-9-]*[a-z0-9]$|^[a-z0-9]$/;
const CUSTOM_NAME_RE = /^[a-z]/;

/** A UUID from `lastIndex` to the end (sticky): no substring per id checked. */
const UUID_AT_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iy;

/** `<type>--<uuid>` with a valid UUID; when `type` is given the prefix must match. */
export function isStixId(value: unknown, type?: string): value is string {
  if (typeof value !== 'string') return false;
  const sep = value.indexOf('--');
  if (sep <= 0) return false;
  if (type !== undefined ? sep !== type.length || !value.startsWith(type) : !TYPE_RE.test(value.slice(0, sep))) return false;
  UUID_AT_RE.lastIndex = sep + 2;
  return UUID_AT_RE.test(value);
}

export function newStixId(type: string): string {
  return `${type}--${randomUUID()}`;
}

import type { JsonObject as Json } from '../wire/json-object';
export type { Json };

class Checker {
  constructor(
    private readonly obj: Json,
    private readonly id: string | undefined,
  ) {}

  fail(property: string, problem: string): never {
    throw new StixValidationError(property, problem, this.id);
  }

  string(key: string, required: boolean): void {
    const v = this.obj[key];
    if (v === undefined) {
      if (required) this.fail(key, 'required property is missing');
      return;
    }
    if (typeof v !== 'string') this.fail(key, `must be a string, got ${describe(v)}`);
  }

  timestamp(key: string): void {
    const v = this.obj[key];
    if (v !== undefined && !isStixTimestamp(v)) {
      this.fail(key, `must be an RFC 3339 UTC timestamp like 2021-05-04T15:15:58.300Z, got ${describe(v)}`);
    }
  }

  ref(key: string): void {
    const v = this.obj[key];
    if (v !== undefined && !isStixId(v)) this.fail(key, `must be a STIX id <type>--<uuid>, got ${describe(v)}`);
  }

  refList(key: string): void {
    const v = this.obj[key];
    if (v === undefined) return;
    if (!Array.isArray(v)) this.fail(key, `must be a list of STIX ids, got ${describe(v)}`);
    v.forEach((ref, i) => {
      if (!isStixId(ref)) this.fail(`${key}[${i}]`, `must be a STIX id <type>--<uuid>, got ${describe(ref)}`);
    });
  }

  stringList(key: string): void {
    const v = this.obj[key];
    if (v === undefined) return;
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) this.fail(key, `must be a list of strings, got ${describe(v)}`);
  }

  integer(key: string, min: number, max: number): void {
    const v = this.obj[key];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.fail(key, `must be an integer between ${min} and ${max}, got ${describe(v)}`);
    }
  }

  boolean(key: string): void {
    const v = this.obj[key];
    if (v !== undefined && typeof v !== 'boolean') this.fail(key, `must be a boolean, got ${describe(v)}`);
  }

  list(key: string): void {
    const v = this.obj[key];
    if (v !== undefined && !Array.isArray(v)) this.fail(key, `must be a list, got ${describe(v)}`);
  }

  object(key: string): void {
    const v = this.obj[key];
    if (v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v))) this.fail(key, `must be an object, got ${describe(v)}`);
  }
}

/** Short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // Nested too deep for JSON.stringify's stack, or a BigInt or a cycle in a caller's own object.
    return Array.isArray(value) ? 'a list' : `a${typeof value === 'object' ? 'n object' : ' ' + typeof value}`;
  }
  return text.length > 80 ? text.slice(0, 77) + '...' : text;
}

const INDICATOR_KEYS: ReadonlySet<string> = new Set(INDICATOR_PROPERTY_ORDER);
const SIGHTING_KEYS: ReadonlySet<string> = new Set(SIGHTING_PROPERTY_ORDER);

function checkCommon(c: Checker, obj: Json, known: ReadonlySet<string>): void {
  // First, so that no later check walks (describe, copies) a value nested too deep.
  for (const key in obj) {
    const value = obj[key];
    if (typeof value !== 'object' || value === null || !Object.hasOwn(obj, key)) continue;
    const deep = pathTooDeep(value, MAX_VALUE_DEPTH - 1);
    if (deep === undefined) continue;
    const path = deep.startsWith('[') ? key + deep : `${key}.${deep}`;
    // Keys off the wire can be long: the start of the path says where, enough for a log line.
    c.fail(path.length > 120 ? path.slice(0, 117) + '...' : path, `nested deeper than ${MAX_VALUE_DEPTH} levels`);
  }
  if (obj.spec_version === undefined) c.fail('spec_version', 'required property is missing (STIX 2.0 objects are not supported, only 2.1)');
  if (obj.spec_version !== '2.1') c.fail('spec_version', `must be "2.1", got ${describe(obj.spec_version)}`);
  c.timestamp('created');
  c.timestamp('modified');
  c.ref('created_by_ref');
  c.boolean('revoked');
  c.stringList('labels');
  c.integer('confidence', 0, 100);
  c.string('lang', false);
  c.list('external_references');
  c.refList('object_marking_refs');
  c.list('granular_markings');
  c.object('extensions');
  // for-in, not Object.keys: no array per object (objects here are plain: JSON or literals).
  for (const key in obj) {
    if (!Object.hasOwn(obj, key)) continue;
    if (!known.has(key) && !CUSTOM_NAME_RE.test(key)) {
      c.fail(key, 'custom property names must start with a lower-case ASCII letter');
    }
  }
}

/** Fill what the original filled when absent (spec/core.md §10.6): id, created, modified. */
function fillCommon(obj: Json, type: string): void {
  if (obj.id === undefined) obj.id = newStixId(type);
  if (obj.created === undefined && obj.modified === undefined) {
    obj.created = obj.modified = nowStixTimestamp();
  } else if (obj.created === undefined) {
    obj.created = obj.modified;
  } else if (obj.modified === undefined) {
    obj.modified = obj.created;
  }
}

export function parseIndicator(input: unknown): Indicator {
  return checkIndicator(asObject(input, 'indicator'), true);
}

/**
 * Validate (and complete, like parseIndicator) an indicator object in place.
 * `parsePattern` false skips parsing a `stix` pattern, for callers that wrote
 * the pattern themselves (see createIndicator).
 */
export function checkIndicator(obj: Json, parsePattern: boolean): Indicator {
  if (obj.type !== 'indicator') throw new StixValidationError('type', `must be "indicator", got ${describe(obj.type)}`);
  fillCommon(obj, 'indicator');
  const c = new Checker(obj, typeof obj.id === 'string' ? obj.id : undefined);
  if (!isStixId(obj.id, 'indicator')) c.fail('id', `must be indicator--<uuid>, got ${describe(obj.id)}`);
  checkCommon(c, obj, INDICATOR_KEYS);
  c.string('name', false);
  c.string('description', false);
  c.stringList('indicator_types');
  c.string('pattern', true);
  c.string('pattern_type', true);
  c.string('pattern_version', false);
  if (obj.valid_from === undefined) obj.valid_from = obj.modified;
  c.timestamp('valid_from');
  c.timestamp('valid_until');
  c.list('kill_chain_phases');
  if (obj.pattern_type === 'stix') {
    if (obj.pattern_version === undefined) obj.pattern_version = '2.1';
    // The common point-IoC form is recognised by one regular expression; the rest gets the parser.
    const error = parsePattern && !isSimpleValidPattern(obj.pattern as string) ? validatePattern(obj.pattern as string) : undefined;
    if (error) c.fail('pattern', `invalid STIX pattern: ${error.message}`);
  }
  const update = obj.x_threatbus_update;
  if (update !== undefined && update !== 'EDIT' && update !== 'REMOVE') {
    c.fail('x_threatbus_update', `must be "EDIT" or "REMOVE", got ${describe(update)}`);
  }
  return obj as unknown as Indicator;
}

export function parseSighting(input: unknown): Sighting {
  const obj = asObject(input, 'sighting');
  fillCommon(obj, 'sighting');
  const c = new Checker(obj, typeof obj.id === 'string' ? obj.id : undefined);
  if (!isStixId(obj.id, 'sighting')) c.fail('id', `must be sighting--<uuid>, got ${describe(obj.id)}`);
  checkCommon(c, obj, SIGHTING_KEYS);
  c.string('description', false);
  c.timestamp('first_seen');
  c.timestamp('last_seen');
  c.integer('count', 0, 999_999_999);
  if (obj.sighting_of_ref === undefined) c.fail('sighting_of_ref', 'required property is missing');
  c.ref('sighting_of_ref');
  c.refList('observed_data_refs');
  c.refList('where_sighted_refs');
  c.boolean('summary');
  const match = obj.x_threatbus_match_type;
  if (match !== undefined && match !== 'LIVE' && match !== 'RETRO') {
    c.fail('x_threatbus_match_type', `must be "LIVE" or "RETRO", got ${describe(match)}`);
  }
  if (obj.x_threatbus_indicator !== undefined) {
    try {
      obj.x_threatbus_indicator = parseIndicator(obj.x_threatbus_indicator);
    } catch (e) {
      if (e instanceof StixValidationError) c.fail(`x_threatbus_indicator.${e.property}`, e.problem);
      throw e;
    }
  }
  return obj as unknown as Sighting;
}

/** Parse an Indicator or a Sighting, chosen by its `type`. Other STIX types are refused. */
export function parseStixObject(input: unknown): StixObject {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new StixValidationError('(object)', `expected a STIX object, got ${describe(input)}`);
  }
  const type = (input as Json).type;
  if (type === 'indicator') return parseIndicator(input);
  if (type === 'sighting') return parseSighting(input);
  throw new StixValidationError('type', `only "indicator" and "sighting" travel on the bus, got ${describe(type)}`);
}

/**
 * parseStixObject for a value nobody else holds (fresh from JSON.parse): an
 * indicator is completed and checked in place instead of copied first.
 */
export function parseOwnedStixObject(input: unknown): StixObject {
  if (isJsonObject(input) && input.type === 'indicator') {
    return checkIndicator(input, true);
  }
  return parseStixObject(input);
}

function asObject(input: unknown, type: string): Json {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new StixValidationError('(object)', `expected a STIX ${type} object, got ${describe(input)}`);
  }
  const obj = { ...(input as Json) };
  if (obj.type !== type) throw new StixValidationError('type', `must be "${type}", got ${describe(obj.type)}`);
  return obj;
}
