/**
 * Reading the config: YAML file (or ./config.yaml / ./config.yml), `.env`,
 * THREATBUS_* environment overrides. Validation happens later, once the
 * plugins (and their schemas) are known.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
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
  /** Which environment variables override the file: default THREATBUS_* for the bus's sections (companion apps pass their own prefix and keys). */
  envOverrides?: { prefix?: string; topLevelKeys?: readonly string[] };
  /** Accept no file and no override (the caller's defaults apply) instead of failing with "no configuration". */
  allowEmpty?: boolean;
}

export const DEFAULT_CONFIG_NAMES = ['config.yaml', 'config.yml'];

export function findConfigFile(cwd: string): string | undefined {
  return DEFAULT_CONFIG_NAMES.map((n) => resolve(cwd, n)).find((p) => existsSync(p));
}

/** Parse YAML text into a mapping, with errors that give file, line and column. */
/**
 * Aliases a config may expand (`*name`). A real config needs a handful; a
 * "billion laughs" document nests aliases of aliases to expand into gigabytes.
 */
export const MAX_YAML_ALIASES = 100;

export function parseConfigYaml(text: string, name: string): Record<string, unknown> {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => ({ path: '', message: `not valid YAML: ${e.message.split('\n')[0]}`, source: name })));
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    // yaml throws a ReferenceError for an alias bomb (and for an alias to a missing anchor).
    const problem = /alias count/i.test((e as Error).message)
      ? `refused: its aliases (*name) expand too much (a YAML "billion laughs" document?); at most ${MAX_YAML_ALIASES} alias expansions are allowed`
      : `not valid YAML: ${(e as Error).message}`;
    throw new ConfigError([{ path: '', message: problem, source: name }]);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError([{ path: '', message: `the config must be a YAML mapping with 'logging' and 'plugins', got a ${Array.isArray(value) ? 'list' : typeof value}`, source: name }]);
  }
  return value as Record<string, unknown>;
}

/** The text of the config file, or a ConfigError saying why it cannot be read. */
function readConfigFile(file: string): string {
  try {
    if (statSync(file).isDirectory()) throw new ConfigError([{ path: '', message: `configuration file ${file} is a directory, not a YAML file` }]);
    return readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (e as Error).message;
    throw new ConfigError([{ path: '', message: `cannot read configuration file ${file}: ${why}` }]);
  }
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
  const data = file ? parseConfigYaml(readConfigFile(file), basename(file)) : {};
  const envOrigins = applyEnvOverrides(data, env, options.envOverrides);
  if (!file && envOrigins.size === 0 && !options.allowEmpty) {
    throw new ConfigError([{ path: '', message: `no configuration: pass -c <file.yaml>, or put ${DEFAULT_CONFIG_NAMES.join(' or ')} in ${cwd}` }]);
  }
  return { data, file, envOrigins };
}
