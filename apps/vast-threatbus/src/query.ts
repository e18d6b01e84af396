/**
 * STIX Indicator → VAST query / matcher IoC (spec/vast-app.md §5.4).
 *
 * Unlike the original, the pattern is parsed with the core's STIX pattern
 * parser instead of being split as a raw string (spec/quirks.md A15): string escapes
 * (`\'`, `\\`) are decoded before the value is escaped for VAST (spec/quirks.md F10),
 * and compound patterns made of AND/OR of mappable `=` comparisons (and `IN`
 * sets) become one VAST query instead of being dropped or mangled.
 */
import { parsePattern, pointIoc } from 'threatbus';
import type { Comparison, ComparisonExpression, Indicator, ObservationExpression, PrimitiveLiteral } from 'threatbus';

/** VAST's IoC types (the `type` field of the original's matcher IoC). */
export type VastIocType = 'ip' | 'ipv6' | 'domain' | 'url';

/** STIX object path → VAST type. Anything else has no VAST mapping. */
const TYPE_OF_PATH: Record<string, VastIocType> = {
  'ipv4-addr:value': 'ip',
  'ipv6-addr:value': 'ipv6',
  'domain-name:value': 'domain',
  'url:value': 'url',
};

/** A single mappable value: its VAST type and the decoded (unescaped) value. */
export interface VastIoc {
  type: VastIocType;
  value: string;
}

/** What the live matcher gets for one indicator (spec §5.4 "Matcher IoC object"). */
export interface MatcherIoc extends VastIoc {
  reference: string;
}

/** Why an indicator has no query, for the debug log. */
export type QueryResult = { query: string; iocs: VastIoc[] } | { skipped: string };

/** Escape a value for a VAST string literal: `\` → `\\`, then `"` → `\"` (single quotes untouched). */
export function vastEscape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

// Bare ip/subnet values go into the query unquoted, so they must not be able to
// smuggle query syntax in (the original inserted anything).
const IPV4_RE = /^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/;
const IPV6_RE = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(\/\d{1,3})?$/;

function isIndicator(value: unknown): value is Indicator {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'indicator' &&
    typeof (value as { pattern?: unknown }).pattern === 'string';
}

function pathKey(c: Comparison): string {
  const first = c.path.components[0];
  if (c.path.components.length !== 1 || first.kind !== 'key') return '';
  return `${c.path.objectType}:${first.name}`;
}

function literalValue(literal: PrimitiveLiteral): string | undefined {
  return literal.kind === 'string' ? literal.value : undefined;
}

/** The VAST type and decoded value of one comparison, or why it does not map. */
function iocOf(type: VastIocType, value: string): VastIoc | string {
  if (type === 'ip' && !IPV4_RE.test(value)) return `'${value}' is not an IPv4 address or subnet`;
  if (type === 'ipv6' && !IPV6_RE.test(value)) return `'${value}' is not an IPv6 address or subnet`;
  return { type, value };
}

/** VAST query text for one IoC (spec §5.4 table). */
export function iocQuery(ioc: VastIoc): string {
  switch (ioc.type) {
    case 'ip':
    case 'ipv6':
      return ioc.value;
    case 'url':
      return `"${vastEscape(ioc.value)}" == net.uri`;
    case 'domain': {
      const v = vastEscape(ioc.value);
      return `"${v}" == net.domain || "${v}" == net.hostname`;
    }
  }
}

interface Mapped {
  query: string;
  /** True when the query is a single IoC (no parentheses needed at the top level). */
  atomic: boolean;
  /** Operator at the top of the query, to parenthesise only where needed. */
  op: 'leaf' | '&&' | '||';
  iocs: VastIoc[];
}

function comparisonToQuery(c: Comparison): Mapped | string {
  const key = pathKey(c);
  const type = TYPE_OF_PATH[key];
  if (!type) return `object path '${key || c.path.objectType}' has no VAST mapping`;
  if (c.negated) return `negated comparison on '${key}' is not supported`;
  const values: string[] = [];
  if (c.operator === '=') {
    const v = literalValue(c.value);
    if (v === undefined) return `'${key}' compared with a non-string constant`;
    values.push(v);
  } else if (c.operator === 'IN') {
    for (const el of c.value.elements) {
      const v = literalValue(el);
      if (v === undefined) return `'${key}' IN with a non-string constant`;
      values.push(v);
    }
    if (values.length === 0) return `'${key}' IN an empty set`;
  } else {
    return `operator ${c.operator} on '${key}' is not supported (only = and IN)`;
  }
  const iocs: VastIoc[] = [];
  for (const v of values) {
    const ioc = iocOf(type, v);
    if (typeof ioc === 'string') return ioc;
    iocs.push(ioc);
  }
  if (iocs.length === 1) {
    const q = iocQuery(iocs[0]);
    return { query: q, atomic: iocs[0].type !== 'domain', op: iocs[0].type === 'domain' ? '||' : 'leaf', iocs };
  }
  return join('||', iocs.map((ioc) => ({ query: iocQuery(ioc), atomic: ioc.type !== 'domain', op: ioc.type === 'domain' ? '||' : 'leaf', iocs: [ioc] })));
}

function join(op: '&&' | '||', parts: Mapped[]): Mapped {
  // `||` inside `||` needs no parentheses; everything else non-atomic does.
  const text = parts.map((p) => (p.atomic || p.op === op ? p.query : `(${p.query})`)).join(` ${op} `);
  return { query: text, atomic: false, op, iocs: parts.flatMap((p) => p.iocs) };
}

function comparisonExpressionToQuery(e: ComparisonExpression): Mapped | string {
  if (e.kind === 'comparison') return comparisonToQuery(e);
  const left = comparisonExpressionToQuery(e.left);
  if (typeof left === 'string') return left;
  const right = comparisonExpressionToQuery(e.right);
  if (typeof right === 'string') return right;
  return join(e.kind === 'and' ? '&&' : '||', [left, right]);
}

function observationToQuery(o: ObservationExpression): Mapped | string {
  switch (o.kind) {
    case 'observation':
      return comparisonExpressionToQuery(o.expression);
    case 'or': {
      // Either observation suffices, so one event matching either side is a sighting.
      const left = observationToQuery(o.left);
      if (typeof left === 'string') return left;
      const right = observationToQuery(o.right);
      if (typeof right === 'string') return right;
      return join('||', [left, right]);
    }
    case 'and':
      // Two observations may be seen in different events; one VAST query cannot express that.
      return 'observation operator AND spans several events and has no single-query mapping';
    case 'followedby':
      return 'observation operator FOLLOWEDBY has no VAST mapping';
    case 'qualified':
      return `qualifier ${o.qualifier.kind.toUpperCase()} has no VAST mapping`;
  }
}

/** The VAST query for an indicator, or the reason why there is none. */
export function indicatorToQueryResult(indicator: unknown): QueryResult {
  if (!isIndicator(indicator)) return { skipped: 'not a STIX-2 Indicator' };
  if (indicator.pattern_type !== undefined && indicator.pattern_type !== 'stix') {
    return { skipped: `pattern_type '${String(indicator.pattern_type)}' is not 'stix'` };
  }
  let root;
  try {
    root = parsePattern(indicator.pattern);
  } catch (e) {
    return { skipped: `unparsable pattern: ${(e as Error).message}` };
  }
  const mapped = observationToQuery(root);
  if (typeof mapped === 'string') return { skipped: mapped };
  return { query: mapped.query, iocs: mapped.iocs };
}

/** `indicator_to_vast_query`: the VAST query string, or null when the indicator does not map. */
export function indicatorToVastQuery(indicator: unknown): string | null {
  const r = indicatorToQueryResult(indicator);
  return 'query' in r ? r.query : null;
}

/**
 * `get_vast_type_and_value` on a pattern: the VAST type and the VAST-escaped
 * value of a point IoC (exactly one mappable `=` comparison), else null.
 */
export function vastTypeAndValue(pattern: unknown): [VastIocType, string] | null {
  const ioc = pointVastIoc(pattern);
  return ioc ? [ioc.type, vastEscape(ioc.value)] : null;
}

/** The single IoC of a point pattern (decoded value), else null. */
export function pointVastIoc(pattern: unknown): VastIoc | null {
  const point = pointIoc(pattern);
  if (!point) return null;
  const m = comparisonToQuery(point.comparison);
  return typeof m === 'string' || m.iocs.length !== 1 ? null : m.iocs[0];
}

/**
 * The IoCs to put into the live matcher for an indicator. A point indicator
 * gives one; a pure disjunction (OR / IN of mappable values) gives one per
 * value, all with the same reference, since a match on any of them is a
 * sighting of the indicator. Anything with AND has no matcher form: null.
 */
export function indicatorToMatcherIocs(indicator: unknown): MatcherIoc[] | null {
  const r = indicatorToQueryResult(indicator);
  if (!('query' in r)) return null;
  const root = parsePattern((indicator as Indicator).pattern);
  if (!isDisjunction(root)) return null;
  const reference = `threatbus__${(indicator as Indicator).id}`;
  return r.iocs.map((ioc) => ({ ...ioc, reference }));
}

function isDisjunction(o: ObservationExpression | ComparisonExpression): boolean {
  switch (o.kind) {
    case 'observation':
      return isDisjunction(o.expression);
    case 'or':
      return isDisjunction(o.left) && isDisjunction(o.right);
    case 'comparison':
      return true;
    default:
      return false;
  }
}

/** `indicator_to_vast_matcher_ioc`: the matcher IoC of a point indicator (value decoded, not VAST-escaped), else null. */
export function indicatorToVastMatcherIoc(indicator: unknown): MatcherIoc | null {
  if (!isIndicator(indicator)) return null;
  const ioc = pointVastIoc(indicator.pattern);
  return ioc ? { ...ioc, reference: `threatbus__${indicator.id}` } : null;
}
