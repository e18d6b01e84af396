/**
 * MISP attribute notification → STIX 2.1 Indicator (spec/misp.md §6), with the
 * original's bugs fixed: deletions produce REMOVE (spec/quirks.md C1), IPv6 values
 * become ipv6-addr (C8), timestamps are UTC (C7).
 */
import { createIndicator, formatStixTimestamp, isJsonObject, nowStixTimestamp, StixValidationError } from 'threatbus';
import type { Indicator } from 'threatbus';
import { MispMappingError } from './errors';
import { patternText } from './pattern';
import { ruleFor, stix2PatternValue } from './type-rules';

/** `soft-delete` is what MISP sends when an attribute is marked deleted (the original rejected it). */
export const ACTIONS = ['add', 'edit', 'delete', 'soft-delete'] as const;
export type MispAction = (typeof ACTIONS)[number];

/** The attribute fields the mapping reads; everything else is ignored. */
export interface MispAttribute {
  uuid: string;
  type: string;
  value: string;
  timestamp: string | number;
  to_ids: unknown;
  deleted?: unknown;
  Tag?: unknown;
  [other: string]: unknown;
}

const empty = (v: unknown) => v === undefined || v === null || v === '';

/** The attribute's uuid if it has a string one, for log lines about bad attributes. */
export function attributeUuid(attribute: unknown): string | undefined {
  return isJsonObject(attribute) && typeof attribute.uuid === 'string' && attribute.uuid !== '' ? attribute.uuid : undefined;
}

/** STIX pattern for a MISP type and value; throws MispMappingError when the type has no mapping or the value does not fit. */
export function buildPattern(type: string, value: string): string {
  if (type === 'stix2-pattern') return stix2PatternValue(value);
  const rule = ruleFor(type);
  if (!rule.mapped) throw new MispMappingError(`Cannot find STIX-2 mapping for MISP attribute type '${type}': ${rule.reason}`);
  return patternText(rule.build(value));
}

/** Unix seconds (string or number) → STIX timestamp in UTC. */
function createdFrom(timestamp: unknown, uuid: string): string {
  const seconds = typeof timestamp === 'number' ? timestamp : typeof timestamp === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(timestamp) ? Number(timestamp) : NaN;
  if (!Number.isFinite(seconds)) throw new MispMappingError(`attribute timestamp ${JSON.stringify(timestamp)} is not Unix seconds`, uuid);
  return formatStixTimestamp(Math.round(seconds * 1000));
}

const hasOwnKeys = (o: Record<string, unknown>): boolean => {
  for (const k in o) if (Object.hasOwn(o, k)) return true;
  return false;
};

/** Fields an attribute must have, and those of them that must be strings (constants: no arrays per attribute). */
const REQUIRED = ['timestamp', 'to_ids', 'uuid', 'type', 'value'] as const;
const STRING_FIELDS = ['uuid', 'type', 'value'] as const;

/** Validate an untyped attribute (spec/misp.md §6.1). */
export function checkAttribute(attribute: unknown, action: unknown): { attribute: MispAttribute; action: MispAction } {
  if (!isJsonObject(attribute) || !hasOwnKeys(attribute) || typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action)) {
    throw new MispMappingError(
      `Cannot parse MISP attribute with action ${JSON.stringify(action ?? null)}: ${isJsonObject(attribute) ? `action must be one of ${ACTIONS.join(', ')}` : 'the attribute is missing or not an object'}`,
      attributeUuid(attribute),
    );
  }
  const missing = REQUIRED.filter((k) => empty(attribute[k]));
  if (missing.length > 0) {
    throw new MispMappingError(`Incomplete MISP attribute, missing ${missing.map((k) => `\`${k}\``).join(', ')}`, attributeUuid(attribute));
  }
  for (const k of STRING_FIELDS) {
    if (typeof attribute[k] !== 'string') throw new MispMappingError(`MISP attribute field \`${k}\` must be a string, got ${typeof attribute[k]}`, attributeUuid(attribute));
  }
  return { attribute: attribute as MispAttribute, action: action as MispAction };
}

const isDeleted = (a: MispAttribute, action: MispAction) =>
  action === 'delete' || action === 'soft-delete' || a.deleted === true || a.deleted === 1 || a.deleted === '1';

/**
 * Map an attribute and its action (spec/misp.md §6.2, with C1 fixed):
 *
 * | action              | to_ids true | to_ids false |
 * |---------------------|-------------|--------------|
 * | add                 | Indicator   | null         |
 * | edit                | Indicator   | REMOVE       |
 * | delete, soft-delete | REMOVE      | null         |
 *
 * An `edit` carrying `deleted: true` counts as a soft-delete. `to_ids` is
 * false only for boolean `false` (as the original).
 */
export function mapAttribute(rawAttribute: unknown, rawAction: unknown): Indicator | null {
  const { attribute, action } = checkAttribute(rawAttribute, rawAction);
  const toIds = attribute.to_ids !== false;
  const deleted = isDeleted(attribute, action);
  let remove: boolean;
  if (deleted) {
    if (!toIds) return null;
    remove = true;
  } else if (action === 'add') {
    if (!toIds) return null;
    remove = false;
  } else {
    remove = !toIds;
  }
  const uuid = attribute.uuid;
  let pattern: string;
  try {
    pattern = buildPattern(attribute.type, attribute.value);
  } catch (e) {
    if (e instanceof MispMappingError) throw new MispMappingError(e.message, uuid);
    throw e;
  }
  const now = nowStixTimestamp();
  try {
    // buildPattern writes patterns from escaped constants (stix2-pattern values it parses itself),
    // and the tests check that every mapped type yields a parseable pattern, even for hostile
    // values: parsing each again here was the costliest step of the intake.
    return createIndicator({
      id: `indicator--${uuid}`,
      created: createdFrom(attribute.timestamp, uuid),
      modified: now,
      valid_from: now,
      pattern,
      pattern_type: 'stix',
      pattern_version: '2.1',
      ...(remove ? { x_threatbus_update: 'REMOVE' as const } : {}),
    }, { patternIsWellFormed: true });
  } catch (e) {
    // e.g. a MISP uuid that is not a UUID, or a pattern the core's parser rejects.
    if (e instanceof StixValidationError) throw new MispMappingError(`not a valid STIX Indicator: ${e.message}`, uuid);
    throw e;
  }
}
