/**
 * OpenCTI's STIX indicators (stream events, spec/opencti.md §1.5, §1.8, and
 * GraphQL `toStix`, §3) → STIX-2.1 Indicators on the bus.
 *
 * The STIX id is OpenCTI's (its standard_id), so sightings find their way
 * back. OpenCTI's property extension is not carried along (no bus consumer
 * reads it); its internal id, score and detection flag travel as
 * `x_opencti_id`, `x_opencti_score`, `x_opencti_detection`.
 *
 * SSE event name → bus (the SSE name, not `data.type`, is authoritative: a
 * live stream sends an update that stops matching its filters as `delete`):
 * - `create`: the indicator, unmarked;
 * - `update` / `merge`: `x_threatbus_update: EDIT`; a merge also removes the
 *   merged-away indicators, and an update that changed the pattern (which
 *   changes the standard id) removes the old pattern under the old id;
 * - `delete`: `x_threatbus_update: REMOVE`;
 * - an indicator that is revoked, or (with `detection_only`) has detection
 *   off: a removal for `update`/`merge`, nothing for `create`, nor for an
 *   update after which it is still unwanted (per `context.reverse_patch`).
 */
import { createIndicator, isJsonObject, Operation } from 'threatbus';
import type { Indicator } from 'threatbus';

export const OCTI_EXTENSION = 'extension-definition--ea279b3e-5c71-4632-ac08-831c66a786ba';

/** The standard STIX indicator properties taken over from OpenCTI (everything but `extensions`). */
const KEPT = [
  'id', 'created_by_ref', 'created', 'modified', 'name', 'description', 'indicator_types', 'pattern', 'pattern_type',
  'pattern_version', 'valid_from', 'valid_until', 'kill_chain_phases', 'revoked', 'labels', 'confidence', 'lang',
  'external_references', 'object_marking_refs', 'granular_markings',
] as const;

export type Outcome =
  /** Indicators to publish, in order. */
  | { kind: 'publish'; indicators: Indicator[] }
  /** Not an indicator: counted per STIX type. */
  | { kind: 'ignored'; objectType: string }
  /** An indicator that is not forwarded (created revoked, or detection off with `detection_only`). */
  | { kind: 'filtered'; id: string }
  | { kind: 'malformed'; reason: string };

export interface MappingOptions {
  detectionOnly: boolean;
}

/** A value of OpenCTI's extension of `stix` (pycti `get_attribute_in_extension`, §1.8). */
export function extensionValue(stix: Record<string, unknown>, key: string): unknown {
  const extensions = stix.extensions;
  if (!isJsonObject(extensions)) return undefined;
  const ext = extensions[OCTI_EXTENSION];
  return isJsonObject(ext) ? ext[key] : undefined;
}

/** Whether OpenCTI marks the indicator for detection (a missing flag is false, §1.8). */
export function isDetection(stix: Record<string, unknown>): boolean {
  return extensionValue(stix, 'detection') === true;
}

/** Whether the indicator should be on the bus at all. */
export function isWanted(stix: Record<string, unknown>, options: MappingOptions): boolean {
  return stix.revoked !== true && (!options.detectionOnly || isDetection(stix));
}

/** OpenCTI's STIX indicator → a validated bus Indicator (throws StixValidationError with the reason). */
export function toBusIndicator(stix: Record<string, unknown>, operation?: Operation): Indicator {
  const init: Record<string, unknown> = {};
  for (const key of KEPT) if (stix[key] !== undefined && stix[key] !== null) init[key] = stix[key];
  const internalId = extensionValue(stix, 'id');
  if (typeof internalId === 'string') init.x_opencti_id = internalId;
  const score = extensionValue(stix, 'score');
  if (typeof score === 'number') init.x_opencti_score = score;
  init.x_opencti_detection = isDetection(stix);
  if (operation) init.x_threatbus_update = operation;
  return createIndicator(init as unknown as Parameters<typeof createIndicator>[0]);
}

/** The previous pattern and id of an update that edited the pattern, from `context.reverse_patch` (RFC 6902 ops). */
function previousIdentity(context: unknown, current: Record<string, unknown>): { id: string; pattern: string } | undefined {
  if (!isJsonObject(context) || !Array.isArray(context.reverse_patch)) return undefined;
  let pattern: string | undefined;
  let id: string | undefined;
  for (const op of context.reverse_patch) {
    if (!isJsonObject(op) || op.op !== 'replace' || typeof op.value !== 'string') continue;
    if (op.path === '/pattern') pattern = op.value;
    if (op.path === '/id') id = op.value;
  }
  if (pattern === undefined || pattern === current.pattern) return undefined;
  return { id: id ?? String(current.id), pattern };
}

/**
 * Whether the indicator was wanted before an update, from `context.reverse_patch`
 * (ops on `/revoked` and the extension's `detection`); undefined without a patch.
 */
function wantedBefore(context: unknown, stix: Record<string, unknown>, options: MappingOptions): boolean | undefined {
  if (!isJsonObject(context) || !Array.isArray(context.reverse_patch)) return undefined;
  let revoked = stix.revoked === true;
  let detection = isDetection(stix);
  for (const op of context.reverse_patch) {
    if (!isJsonObject(op)) continue;
    const value = op.op === 'remove' ? false : op.value === true;
    if (op.path === '/revoked') revoked = value;
    if (op.path === DETECTION_PATH) detection = value;
  }
  return !revoked && (!options.detectionOnly || detection);
}

const DETECTION_PATH = `/extensions/${OCTI_EXTENSION}/detection`;

/**
 * One SSE data event (`create`/`update`/`delete`/`merge`) → what to do.
 * Never throws: anything off the wire that does not fit is `malformed` with the reason.
 */
export function mapStreamEvent(event: string, data: string, options: MappingOptions): Outcome {
  let envelope: unknown;
  try {
    envelope = JSON.parse(data);
  } catch (e) {
    return { kind: 'malformed', reason: `data is not JSON (${(e as Error).message})` };
  }
  if (!isJsonObject(envelope)) return { kind: 'malformed', reason: 'data is not a JSON object' };
  const stix = envelope.data;
  if (!isJsonObject(stix)) return { kind: 'malformed', reason: 'data.data (the STIX object) is missing or not an object' };
  if (typeof stix.type !== 'string') return { kind: 'malformed', reason: 'data.data.type is missing' };
  if (stix.type !== 'indicator') return { kind: 'ignored', objectType: stix.type };
  try {
    const wanted = isWanted(stix, options);
    switch (event) {
      case 'create':
        return wanted ? { kind: 'publish', indicators: [toBusIndicator(stix)] } : { kind: 'filtered', id: String(stix.id) };
      case 'delete':
        return { kind: 'publish', indicators: [toBusIndicator(stix, Operation.REMOVE)] };
      case 'update':
      case 'merge': {
        // Unwanted before and after (e.g. a description edited while detection stays off): nothing to withdraw.
        if (!wanted && event === 'update' && wantedBefore(envelope.context, stix, options) === false) return { kind: 'filtered', id: String(stix.id) };
        const out: Indicator[] = [];
        const previous = previousIdentity(envelope.context, stix);
        if (previous) out.push(toBusIndicator({ ...stix, ...previous }, Operation.REMOVE));
        if (event === 'merge' && isJsonObject(envelope.context) && Array.isArray(envelope.context.sources)) {
          for (const source of envelope.context.sources) {
            if (isJsonObject(source) && source.type === 'indicator' && source.id !== stix.id) out.push(toBusIndicator(source, Operation.REMOVE));
          }
        }
        out.push(toBusIndicator(stix, wanted ? Operation.EDIT : Operation.REMOVE));
        return { kind: 'publish', indicators: out };
      }
      default:
        return { kind: 'malformed', reason: `unknown event type ${JSON.stringify(event).slice(0, 40)}` };
    }
  } catch (e) {
    return { kind: 'malformed', reason: `indicator ${JSON.stringify(stix.id)?.slice(0, 80)}: ${(e as Error).message}` };
  }
}
