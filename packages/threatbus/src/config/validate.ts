/**
 * Config validation with ajv: defaults filled in, every error reported at
 * once, each naming the key path, what was expected, what was found and where
 * it came from:
 *
 *     plugins.apps.zmq.manage: must be integer, got "abc" (config.yaml)
 */
import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { describe } from '../stix/parse';
import type { JsonSchema } from '../plugin';
import { ErrorCode, ThreatBusError } from '../errors';
import { isSecretKey } from './mask';

export interface ConfigProblem {
  /** Dotted key path, e.g. `plugins.apps.zmq.manage`. */
  path: string;
  message: string;
  /** Where the value came from: the file name or `env THREATBUS_...`. */
  source?: string;
  /** What kind of problem, when more specific than TB_CONFIG_INVALID (e.g. TB_PLUGIN_MISSING). */
  code?: ErrorCode;
}

/** Every problem of a config at once; `code` is always TB_CONFIG_INVALID, each problem may carry a more specific one. */
export class ConfigError extends ThreatBusError {
  override readonly name = 'ConfigError';
  constructor(readonly problems: ConfigProblem[]) {
    super(ErrorCode.CONFIG_INVALID, problems.map(formatProblem).join('\n'));
  }
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.path ? p.path + ': ' : ''}${p.message}${p.source ? ` (${p.source})` : ''}`;
}

// coerceTypes: the original accepted "50000" for an integer (spec/core.md §3.1); "abc" is still refused.
const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, strict: false });
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

function compile(schema: JsonSchema): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) compiled.set(schema, (fn = ajv.compile(schema)));
  return fn;
}

function pointerToPath(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(data: unknown, segments: string[]): unknown {
  let node = data;
  for (const s of segments) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[s];
  }
  return node;
}

/** Edit distance with transpositions (optimal string alignment), to suggest the key a typo meant. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.length][b.length];
}

function schemaAt(schema: JsonSchema, schemaPath: string): JsonSchema | undefined {
  // schemaPath is like "#/properties/logging/additionalProperties"; we want the object holding "properties".
  const parts = schemaPath.replace(/^#/, '').split('/').slice(1, -1);
  let node: unknown = schema;
  for (const p of parts) node = (node as Record<string, unknown> | undefined)?.[p];
  return node as JsonSchema | undefined;
}

/**
 * For a key required by the `then` of `if: { not: { required: [url] } }`
 * (the usual "either url or host/port/..." shape): ` (unless url is given)`.
 */
function unlessGiven(schema: JsonSchema, schemaPath: string): string {
  const parts = schemaPath.replace(/^#/, '').split('/').slice(1);
  const at = parts.lastIndexOf('then');
  if (at < 0) return '';
  let node: unknown = schema;
  for (const p of parts.slice(0, at)) node = (node as Record<string, unknown> | undefined)?.[p];
  const alternatives = ((node as { if?: { not?: { required?: unknown } } } | undefined)?.if?.not?.required);
  return Array.isArray(alternatives) && alternatives.length > 0 ? ` (unless ${alternatives.join(' or ')} is given)` : '';
}

function toProblem(e: ErrorObject, data: unknown, schema: JsonSchema, prefix: string[]): { segments: string[]; message: string } {
  const at = pointerToPath(e.instancePath);
  // A malformed secret (a truncated key, a token with a typo) is still mostly the secret: never echo it.
  const found = (v: unknown) => ([...prefix, ...at].some(isSecretKey) ? ' (value not shown: a secret)' : `, got ${describe(v)}`);
  switch (e.keyword) {
    case 'required': {
      const key = (e.params as { missingProperty: string }).missingProperty;
      return { segments: [...prefix, ...at, key], message: `is required${unlessGiven(schema, e.schemaPath)}` };
    }
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((schemaAt(schema, e.schemaPath)?.properties as Record<string, unknown>) ?? {});
      const close = known.filter((k) => distance(k, key) <= Math.max(1, Math.floor(k.length / 3)));
      const hint = close.length ? ` (did you mean ${close.map((k) => `'${k}'`).join(' or ')}?)` : known.length ? ` (known keys: ${known.join(', ')})` : '';
      return { segments: [...prefix, ...at, key], message: `unknown key${hint}` };
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ');
      return { segments: [...prefix, ...at], message: `must be one of ${allowed}${found(valueAt(data, at))}` };
    }
    default:
      return { segments: [...prefix, ...at], message: `${e.message ?? 'is invalid'}${found(valueAt(data, at))}` };
  }
}

/**
 * Validate `data` (mutated: defaults filled, scalar strings coerced) against
 * `schema`. `prefix` is where `data` sits in the whole config; `sourceOf`
 * names the origin of a path.
 */
export function validateAgainst(
  schema: JsonSchema,
  data: unknown,
  prefix: string[],
  sourceOf: (path: string) => string | undefined,
): ConfigProblem[] {
  const validate = compile(schema);
  if (validate(data)) return [];
  const seen = new Set<string>();
  const problems: ConfigProblem[] = [];
  for (const e of validate.errors ?? []) {
    // `must match "then" schema` only summarises the errors of the `then` branch, which are reported too (and say what is missing).
    if (e.keyword === 'if') continue;
    // `type: [object, null]` and similar produce one error per branch; keep the first per path.
    const { segments, message } = toProblem(e, data, schema, prefix);
    const path = segments.join('.');
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ path, message, source: sourceOf(path) });
  }
  return problems;
}
