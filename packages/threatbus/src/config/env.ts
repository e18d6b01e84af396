/**
 * Environment overrides (spec/core.md §3.3): `THREATBUS_PLUGINS__APPS__MISP__API__KEY=...`
 * sets `plugins.apps.misp.api.key`. Each path segment matches an existing key
 * case-insensitively (new keys are lower-cased), values are typed, and the
 * environment wins over the file. This fixes dynaconf's upper-casing of
 * nested keys, which made deep overrides silently ineffective in the original.
 */
import { parse as parseYaml } from 'yaml';
import { parseEnv } from 'node:util';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { TOP_LEVEL_KEYS } from './schema';

export const ENV_PREFIX = 'THREATBUS_';

/** Type an environment value: booleans, numbers, YAML/JSON lists and maps, quoted strings, dynaconf's `@int`/`@float`/`@bool`/`@json`/`@str` markers. */
export function parseEnvValue(raw: string): unknown {
  const text = raw.trim();
  const marker = /^@(int|float|bool|json|str)\s+(.*)$/s.exec(text);
  if (marker) {
    const [, kind, rest] = marker;
    switch (kind) {
      case 'int': return Number.parseInt(rest, 10);
      case 'float': return Number.parseFloat(rest);
      case 'bool': return /^(true|1|yes|on)$/i.test(rest.trim());
      case 'json': return JSON.parse(rest);
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

type Json = Record<string, unknown>;

/**
 * Apply every THREATBUS_* variable (or `options.prefix`, for apps such as
 * vast-threatbus that use the same scheme) to `config` (mutated). Returns the dotted
 * paths that came from the environment with the variable that set them, so
 * validation errors can say where a bad value came from.
 */
export function applyEnvOverrides(
  config: Json,
  env: NodeJS.ProcessEnv,
  options: { prefix?: string; topLevelKeys?: readonly string[] } = {},
): Map<string, string> {
  const prefix = options.prefix ?? ENV_PREFIX;
  const topLevelKeys = options.topLevelKeys ?? TOP_LEVEL_KEYS;
  const origins = new Map<string, string>();
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
        node[key] = parseEnvValue(env[name] ?? '');
      } else {
        const next = node[key];
        if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
        node = node[key] as Json;
      }
    }
    origins.set(path.join('.'), name);
  }
  return origins;
}

function matchKey(node: Json, segment: string): string {
  const lower = segment.toLowerCase();
  return Object.keys(node).find((k) => k.toLowerCase() === lower) ?? lower;
}
