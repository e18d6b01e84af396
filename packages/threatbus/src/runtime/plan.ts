/**
 * Turning a raw config into a plan: which plugins to load (configured and
 * installed), the validated config of the core and of every plugin, and every
 * problem at once. `threatbus --check` prints a plan; `ThreatBus` runs one.
 */
import { dirname } from 'node:path';
import { coreConfigSchema } from '../config/schema';
import { ConfigError, validateAgainst } from '../config/validate';
import type { ConfigProblem } from '../config/validate';
import type { RawConfig } from '../config/load';
import { discoverPlugins, loadPlugin, pluginKey, suggestedPackage } from './discovery';
import type { InstalledPlugin } from './discovery';
import { inmemBackbone } from '../backbones/inmem';
import { normalizeLogLevel } from '../logging';
import type { LoggingConfig } from '../logging';
import type { MetricsServerConfig } from '../metrics/server';
import type { AppPluginDefinition, BackbonePluginDefinition, PluginConfigProblem, PluginDefinition, PluginKind } from '../plugin';
import { isJsonObject } from '../wire/json-object';
import { ErrorCode, isThreatBusError } from '../errors';

export interface ThreatBusConfig {
  logging: LoggingConfig;
  metrics: MetricsServerConfig;
  plugins: { backbones: Record<string, unknown>; apps: Record<string, unknown> };
}

export interface PlannedPlugin<D> {
  name: string;
  definition: D;
  /** Validated section with defaults. */
  config: Record<string, unknown>;
  /** Where it came from: an npm package, or built into the core / passed in. */
  origin: string;
}

export interface BusPlan {
  config: ThreatBusConfig;
  file?: string;
  backbones: PlannedPlugin<BackbonePluginDefinition<never>>[];
  apps: PlannedPlugin<AppPluginDefinition<never>>[];
  /** Installed plugins the config does not name (logged at info). */
  unconfigured: InstalledPlugin[];
  /** True when no backbone was configured and the in-memory one is used. */
  defaultBackbone: boolean;
  /** Dotted config paths plugins declared secret. */
  secrets: Set<string>;
  /** Warnings that do not stop the bus. */
  warnings: string[];
  /** Details logged at debug level at start (e.g. a plugin declaring no core range). */
  notes: string[];
}

export interface PlanOptions {
  /** Definitions given directly (embedding, tests); they win over discovered packages of the same kind and name. */
  plugins?: PluginDefinition[];
  /** Directories whose node_modules are searched; default: the working directory and the core's own location. `false`: no discovery. */
  searchRoots?: string[] | false;
}

const CORE_DIR = dirname(__dirname);

export function planBus(raw: RawConfig, options: PlanOptions = {}): BusPlan {
  const data = raw.data;
  const sourceOf = (path: string): string | undefined => {
    for (const [p, variable] of raw.envOrigins) if (path === p || path.startsWith(p + '.')) return `env ${variable}`;
    return raw.file ? raw.file.split(/[\\/]/).pop() : undefined;
  };
  normalizeLevels(data);
  const problems: ConfigProblem[] = validateAgainst(coreConfigSchema, data, [], sourceOf);
  // `plugins: "zmq"` and the like: the schema said what is wrong; there is nothing to plan plugins from.
  if (data.plugins !== undefined && !isJsonObject(data.plugins)) throw new ConfigError(problems);
  const plugins = (data.plugins ?? {}) as Record<string, unknown>;
  const sections = {
    backbone: asSection(plugins.backbones),
    app: asSection(plugins.apps),
  };
  plugins.backbones = sections.backbone;
  plugins.apps = sections.app;

  const roots = options.searchRoots === false ? [] : options.searchRoots ?? [process.cwd(), CORE_DIR];
  const installed = discoverPlugins(roots);
  const given = new Map((options.plugins ?? []).map((d) => [pluginKey(d.kind, d.name), d]));
  given.set(pluginKey('backbone', 'inmem'), given.get(pluginKey('backbone', 'inmem')) ?? inmemBackbone);

  const warnings: string[] = [];
  const notes: string[] = [];
  const secrets = new Set<string>();
  const defaultBackbone = Object.keys(sections.backbone).length === 0;
  if (defaultBackbone) sections.backbone.inmem = {};
  if (Object.keys(sections.backbone).length > 1) {
    warnings.push(`several backbones configured (${Object.keys(sections.backbone).join(', ')}): every message is published to each, so local subscribers get one copy per backbone`);
  }

  const plan = (kind: PluginKind) => {
    const out: PlannedPlugin<PluginDefinition>[] = [];
    const section = sections[kind];
    const base = kind === 'app' ? ['plugins', 'apps'] : ['plugins', 'backbones'];
    for (const name of Object.keys(section)) {
      const path = [...base, name];
      const key = pluginKey(kind, name);
      let definition = given.get(key);
      let origin = definition ? (definition === inmemBackbone ? 'built in' : 'given') : '';
      const inst = installed.get(key);
      if (!definition && inst) {
        try {
          definition = loadPlugin(inst);
          if (inst.core === undefined) notes.push(`${inst.packageName} ${inst.version} declares no core range ("threatbus": { "core": ... } in its package.json); loaded without a version check`);
          origin = `${inst.packageName}@${inst.version}`;
        } catch (e) {
          problems.push({ path: path.join('.'), message: (e as Error).message, code: isThreatBusError(e) ? e.code : ErrorCode.PLUGIN_LOAD_FAILED });
          continue;
        }
      }
      if (!definition) {
        problems.push({
          path: path.join('.'),
          message: `no ${kind} plugin named '${name}' is installed; install it with: npm install ${suggestedPackage(kind, name)}`,
          code: ErrorCode.PLUGIN_MISSING,
        });
        continue;
      }
      const config = section[name] === null || section[name] === undefined ? {} : section[name];
      section[name] = config;
      problems.push(...validateSection(definition, config, path, sourceOf));
      for (const s of definition.secrets ?? []) secrets.add([...path, s].join('.'));
      out.push({ name, definition, config: config as Record<string, unknown>, origin });
    }
    return out;
  };
  const backbones = plan('backbone') as PlannedPlugin<BackbonePluginDefinition<never>>[];
  const apps = plan('app') as PlannedPlugin<AppPluginDefinition<never>>[];
  if (problems.length > 0) throw new ConfigError(problems);

  const unconfigured = [...installed.values()].filter((p) => !(p.name in sections[p.kind]));
  return { config: data as unknown as ThreatBusConfig, file: raw.file, backbones, apps, unconfigured, defaultBackbone, secrets, warnings, notes };
}

/** Schema problems of one plugin section, then (only if there are none) the plugin's own checks. */
function validateSection(definition: PluginDefinition, config: unknown, path: string[], sourceOf: (path: string) => string | undefined): ConfigProblem[] {
  const problems = definition.configSchema
    ? validateAgainst(definition.configSchema, config, path, sourceOf)
    : isJsonObject(config) ? [] : [{ path: path.join('.'), message: 'must be a mapping', source: sourceOf(path.join('.')) }];
  if (problems.length > 0 || !definition.validate) return problems;
  let found: PluginConfigProblem[];
  try {
    found = definition.validate(config as never);
  } catch (e) {
    // A plugin's check that throws is a problem of that plugin, reported with the others, not a crash of --check.
    return [{ path: path.join('.'), message: `the plugin's config check failed: ${(e as Error)?.message ?? String(e)}` }];
  }
  return found.map((p) => {
    const full = [...path, ...(p.path ? [p.path] : [])].join('.');
    return { path: full, message: p.message, source: sourceOf(full) };
  });
}

function asSection(value: unknown): Record<string, unknown> {
  return isJsonObject(value) ? value : {};
}

/** Log levels are accepted in any case (and WARN for WARNING); the schema then sees upper case. */
function normalizeLevels(data: Record<string, unknown>): void {
  const logging = data.logging as Record<string, unknown> | undefined;
  if (!logging) return;
  for (const key of ['console_verbosity', 'file_verbosity']) {
    const level = normalizeLogLevel(logging[key]);
    if (level) logging[key] = level;
  }
}
