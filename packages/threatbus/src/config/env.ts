/**
 * Environment overrides (spec/core.md §3.3): `THREATBUS_PLUGINS__APPS__MISP__API__KEY=...`
 * sets `plugins.apps.misp.api.key`. Each path segment matches an existing key
 * case-insensitively (new keys are lower-cased), values are typed, and the
 * environment wins over the file. This fixes dynaconf's upper-casing of
 * nested keys, which made deep overrides silently ineffective in the original.
 */
import type { JsonObject } from '../wire/json-object';
import { parse as parseYaml } from 'yaml';
import { parseEnv } from 'node:util';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { TOP_LEVEL_KEYS } from './schema';
import { ConfigError } from './validate';
import { ErrorCode, ThreatBusError } from '../errors';
import type { ConfigProblem } from './validate';

export const ENV_PREFIX = 'THREATBUS_';

/** An environment value with a type marker (`@int abc`) that does not fit it. */
export class EnvValueError extends ThreatBusError {
  override readonly name = 'EnvValueError';
  constructor(message: string) {
    super(ErrorCode.CONFIG_INVALID, message);
  }
}

/** Type an environment value (throws EnvValueError for a marker whose value does not fit): booleans, numbers, YAML/JSON lists and maps, quoted strings, dynaconf's `@int`/`@float`/`@bool`/`@json`/`@str` markers. */
export function parseEnvValue(raw: string): unknown {
  const text = raw.trim();
  const marker = /^@(int|float|bool|json|str)\s+(.*)$/s.exec(text);
  if (marker) {
    const [, kind, rest] = marker;
    const value = rest.trim();
    switch (kind) {
      case 'int':
        if (!/^[+-]?\d+$/.test(value)) throw new EnvValueError(`@int needs an integer, got ${JSON.stringify(value)}`);
        return Number.parseInt(value, 10);
      case 'float': {
        const n = Number(value);
        if (value === '' || !Number.isFinite(n)) throw new EnvValueError(`@float needs a number, got ${JSON.stringify(value)}`);
        return n;
      }
      case 'bool': return /^(true|1|yes|on)$/i.test(value);
      case 'json':
        try {
          return JSON.parse(rest);
        } catch (e) {
          throw new EnvValueError(`@json needs valid JSON: ${(e as Error).message}`);
        }
      default: return rest;
    }
  }
  if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
  if (/^[+-]?\d+$/.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : text;
  }
  if (/^[+-]?(\d+\.\d*|\.\d+|\d+(\.\d*)?[eE][+-]?\d+)$/.test(text)) return Number(text);
  if ((text.startsWith('[') && text.endsWith(']')) || (text.startsWith('{') && text.endsWith('}'))) {
    try {
      return parseYaml(text);
    } catch {
      return raw;
    }
  }
  if (text.length >= 2 && ((text.startsWith("'") && text.endsWith("'")) || (text.startsWith('"') && text.endsWith('"')))) {
    return text.slice(1, -1);
  }
  return raw;
}

/** Variables from `.env` in `dir` merged under the real environment (real variables win, as the original). */
export function environmentWithDotenv(dir: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const file = join(dir, '.env');
  if (!existsSync(file)) return env;
  const fromFile = parseEnv(readFileSync(file, 'utf8'));
  return { ...fromFile, ...env };
}


/**
 * Apply every THREATBUS_* variable (or `options.prefix`, for apps such as
 * vast-threatbus that use the same scheme) to `config` (mutated). Returns the dotted
 * paths that came from the environment with the variable that set them, so
 * validation errors can say where a bad value came from. A variable whose
 * marked value does not fit its marker (`@int abc`, `@json {bad`) is a
 * ConfigError naming the variable.
 */
export function applyEnvOverrides(
  config: JsonObject,
  env: NodeJS.ProcessEnv,
  options: { prefix?: string; topLevelKeys?: readonly string[] } = {},
): Map<string, string> {
  const prefix = options.prefix ?? ENV_PREFIX;
  const topLevelKeys = options.topLevelKeys ?? TOP_LEVEL_KEYS;
  const origins = new Map<string, string>();
  const problems: ConfigProblem[] = [];
  const names = Object.keys(env).filter((k) => k.startsWith(prefix)).sort();
  for (const name of names) {
    const segments = name.slice(prefix.length).split('__').filter((s) => s.length > 0);
    // Only variables under a known top-level key are config; THREATBUS_TEST_* and the like are not.
    if (segments.length === 0 || !topLevelKeys.includes(segments[0].toLowerCase())) continue;
    const path: string[] = [];
    let node = config;
    for (let i = 0; i < segments.length; i++) {
      const key = matchKey(node, segments[i]);
      path.push(key);
      if (i === segments.length - 1) {
        try {
          node[key] = parseEnvValue(env[name] ?? '');
        } catch (e) {
          if (!(e instanceof EnvValueError)) throw e;
          problems.push({ path: [...path].join('.'), message: e.message, source: `env ${name}` });
        }
      } else {
        const next = node[key];
        if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
        node = node[key] as JsonObject;
      }
    }
    origins.set(path.join('.'), name);
  }
  // Every bad variable at once, each named (a value that is not set is not validated again as `null`).
  if (problems.length > 0) throw new ConfigError(problems);
  return origins;
}

function matchKey(node: JsonObject, segment: string): string {
  const lower = segment.toLowerCase();
  return Object.keys(node).find((k) => k.toLowerCase() === lower) ?? lower;
}
