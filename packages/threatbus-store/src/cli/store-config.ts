/**
 * The store commands read the bus's own config file, through the core's
 * loader (so `.env` and THREATBUS_* overrides apply exactly as for the bus),
 * and take the database path from `plugins.apps.store`.
 */
import { ConfigError, loadRawConfig, validateAgainst } from 'threatbus';
import { CONFIG_PATH, configSchema } from '../config';
import type { StoreConfig } from '../config';

export function loadStoreConfig(configPath: string | undefined, cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const raw = loadRawConfig({ path: configPath, cwd, env });
  const plugins = raw.data.plugins as { apps?: Record<string, unknown> } | undefined;
  const section = plugins?.apps?.store;
  if (section === undefined || (plugins?.apps && !('store' in plugins.apps))) {
    throw new ConfigError([{ path: CONFIG_PATH, message: `the config has no store section; add '${CONFIG_PATH}:' (see config.example.yaml)`, source: raw.file }]);
  }
  const config = section === null ? {} : section;
  const file = raw.file?.split(/[\\/]/).pop();
  const problems = validateAgainst(configSchema, config, CONFIG_PATH.split('.'), (p) => {
    for (const [origin, variable] of raw.envOrigins) if (p === origin || p.startsWith(origin + '.')) return `env ${variable}`;
    return file;
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return config as StoreConfig;
}

/** `--since`: an RFC 3339 / ISO 8601 time, or a span back from now such as 90s, 30m, 12h, 7d. */
export function parseSince(value: string, now = Date.now()): number {
  const span = /^(\d+(?:\.\d+)?)([smhd])$/.exec(value.trim());
  if (span) return now - Number(span[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[span[2] as 's' | 'm' | 'h' | 'd'];
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new RangeError(`--since must be a time such as 2026-01-31T00:00:00Z or a span such as 7d, 12h, 30m, got '${value}'`);
  return t;
}
