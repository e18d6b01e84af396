/**
 * VAST results → STIX-2.1 Sightings (spec/vast-app.md §5.5).
 */
import { MatchType, createSighting, isJsonObject } from 'threatbus';
import type { Indicator, Logger, Sighting } from 'threatbus';
import { toStixTimestamp } from './time';

/** Sightings of live matches without a reference (probabilistic matchers keep none) point here. */
export const UNKNOWN_INDICATOR_REF = 'note--00000000-0000-4000-8000-000000000000';

/** A reference as the matcher returns it: the JSON string form, quotes included, 60 characters. */
const REFERENCE_RE = /^"threatbus__(indicator--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"$/;

function isIndicator(v: unknown): v is Indicator {
  return isJsonObject(v) && v.type === 'indicator' && typeof v.id === 'string';
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/**
 * One retro query result line → a RETRO sighting of `indicator`, or null
 * (logged) when the line is not a JSON object with a usable `ts`/`timestamp`.
 */
export function queryResultToSighting(line: unknown, indicator: unknown, logger?: Logger): Sighting | null {
  if (typeof line !== 'string' || !isIndicator(indicator)) return null;
  const context = parseLine(line);
  if (!isJsonObject(context)) {
    logger?.error(`Could not parse VAST query result: ${line}`);
    return null;
  }
  const raw = context.ts ?? context.timestamp;
  if (raw === undefined || raw === null) {
    logger?.error(`Could not find timestamp in VAST query result: ${line}`);
    return null;
  }
  const lastSeen = toStixTimestamp(raw);
  if (!lastSeen) {
    logger?.error(`Could not parse timestamp ${JSON.stringify(raw)} of VAST query result: ${line}`);
    return null;
  }
  try {
    return createSighting({
      last_seen: lastSeen,
      sighting_of_ref: indicator.id,
      x_threatbus_sighting_context: context,
      x_threatbus_indicator: indicator,
      x_threatbus_match_type: MatchType.RETRO,
    });
  } catch (e) {
    logger?.error(`Could not build a sighting from VAST query result: ${(e as Error).message}`, { line });
    return null;
  }
}

/**
 * One line of `matcher attach json` output → a LIVE sighting, or null
 * (logged). A line without `indicator` is refused like any other malformed
 * line (the original raised there, killing the live task: spec/quirks.md F3).
 */
export function matcherResultToSighting(line: unknown, logger?: Logger): Sighting | null {
  if (typeof line !== 'string') return null;
  const d = parseLine(line);
  if (!isJsonObject(d) || !isJsonObject(d.event)) {
    if (typeof line === 'string') logger?.error(`Cannot parse sighting-output from VAST: ${line}`);
    return null;
  }
  const event = d.event;
  if (!isJsonObject(d.indicator)) {
    logger?.error(`Cannot parse sighting-output from VAST, no 'indicator' object: ${line}`);
    return null;
  }
  const lastSeen = toStixTimestamp(event.ts ?? event.timestamp);
  if (!lastSeen) {
    logger?.error(`Cannot parse sighting-output from VAST, no usable event timestamp: ${line}`);
    return null;
  }
  const reference = d.indicator.context;
  let ref = UNKNOWN_INDICATOR_REF;
  if (reference !== null && reference !== undefined) {
    const m = typeof reference === 'string' ? REFERENCE_RE.exec(reference) : null;
    if (!m) {
      logger?.error(`Unexpected reference in VAST matcher output: got ${JSON.stringify(reference)}, expected "\"threatbus__indicator--<uuid>\""`);
      return null;
    }
    ref = m[1];
  }
  const value = d.indicator.value;
  try {
    return createSighting({
      last_seen: lastSeen,
      sighting_of_ref: ref,
      x_threatbus_sighting_context: event,
      ...(typeof value === 'string' ? { x_threatbus_indicator_value: value } : {}),
      x_threatbus_match_type: MatchType.LIVE,
    });
  } catch (e) {
    logger?.error(`Cannot build a sighting from VAST matcher output: ${(e as Error).message}`, { line });
    return null;
  }
}
