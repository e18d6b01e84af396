/**
 * Reading the config: YAML file (or ./config.yaml / ./config.yml), `.env`,
 * THREATBUS_* environment overrides. Validation happens later, once the
 * plugins (and their schemas) are known.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { applyEnvOverrides, environmentWithDotenv } from './env';
import { ConfigError } from './validate';

export interface RawConfig {
  /** Merged file + environment values, not yet validated. */
  data: Record<string, unknown>;
  /** Absolute path of the file read, if any. */
  file?: string;
  /** Dotted path → THREATBUS_* variable that set it. */
  envOrigins: Map<string, string>;
}

export interface LoadOptions {
  /** Path given with -c; relative paths resolve against `cwd`. */
  path?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_CONFIG_NAMES = ['config.yaml', 'config.yml'];

export function findConfigFile(cwd: string): string | undefined {
  return DEFAULT_CONFIG_NAMES.map((n) => resolve(cwd, n)).find((p) => existsSync(p));
}

/** Parse YAML text into a mapping, with errors that give file, line and column. */
export function parseConfigYaml(text: string, name: string): Record<string, unknown> {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => ({ path: '', message: `not valid YAML: ${e.message.split('\n')[0]}`, source: name })));
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError([{ path: '', message: `the config must be a YAML mapping with 'logging' and 'plugins', got a ${Array.isArray(value) ? 'list' : typeof value}`, source: name }]);
  }
  return value as Record<string, unknown>;
}

export function loadRawConfig(options: LoadOptions = {}): RawConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = environmentWithDotenv(cwd, options.env ?? process.env);
  let file: string | undefined;
  if (options.path !== undefined) {
    file = resolve(cwd, options.path);
    if (!/\.ya?ml$/i.test(file)) {
      throw new ConfigError([{ path: '', message: `Please provide a YAML configuration file ending in .yaml or .yml, got '${options.path}'` }]);
    }
    if (!existsSync(file)) throw new ConfigError([{ path: '', message: `configuration file not found: ${file}` }]);
  } else {
    file = findConfigFile(cwd);
  }
  const data = file ? parseConfigYaml(readFileSync(file, 'utf8'), basename(file)) : {};
  const envOrigins = applyEnvOverrides(data, env);
  if (!file && envOrigins.size === 0) {
    throw new ConfigError([{ path: '', message: `no configuration: pass -c <file.yaml>, or put ${DEFAULT_CONFIG_NAMES.join(' or ')} in ${cwd}` }]);
  }
  return { data, file, envOrigins };
}
