/**
 * Plugin discovery (Verdaccio-style): installed packages named `threatbus-*`
 * (or `@scope/threatbus-*`) in the node_modules folders Node would search
 * from the working directory and from the CLI's own location, that declare
 * themselves plugins in package.json:
 *
 *     "threatbus": { "kind": "app", "name": "misp" }
 *
 * Discovery reads package.json files only; a plugin's code is loaded when the
 * config names it.
 */
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PluginDefinition, PluginKind, PluginManifest } from '../plugin';
import { ErrorCode, ThreatBusError } from '../errors';
import { satisfiesRange } from './version-range';

export interface InstalledPlugin extends PluginManifest {
  /** npm package name. */
  packageName: string;
  version: string;
  /** Directory of the package. */
  dir: string;
  /** The manifest's `core`: the range of core versions the plugin was built for (absent in older plugins). */
  core?: unknown;
}

// require(), not import: package.json lies outside the TypeScript rootDir.
/** The version of this core, compared with every plugin's `core` range. */
export const CORE_VERSION: string = (require('../../package.json') as { version: string }).version;

export const PACKAGE_PREFIX = 'threatbus-';

/** node_modules folders Node searches from `dir` (nearest first). */
export function nodeModulesPathsFrom(dir: string): string[] {
  return createRequire(join(dir, '__threatbus_resolve__.js')).resolve.paths('threatbus-x') ?? [];
}

function readManifest(dir: string): InstalledPlugin | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    const tb = pkg.threatbus as Partial<PluginManifest> | undefined;
    if (!tb || (tb.kind !== 'app' && tb.kind !== 'backbone') || typeof tb.name !== 'string' || tb.name === '') return undefined;
    const core = (tb as { core?: unknown }).core;
    return { kind: tb.kind, name: tb.name, packageName: String(pkg.name), version: String(pkg.version ?? '0.0.0'), dir, ...(core === undefined ? {} : { core }) };
  } catch {
    return undefined;
  }
}

function candidatesIn(nodeModules: string): string[] {
  if (!existsSync(nodeModules)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith(PACKAGE_PREFIX)) out.push(join(nodeModules, entry));
    else if (entry.startsWith('@')) {
      try {
        for (const sub of readdirSync(join(nodeModules, entry))) if (sub.startsWith(PACKAGE_PREFIX)) out.push(join(nodeModules, entry, sub));
      } catch {
        /* unreadable scope folder: nothing to find there */
      }
    }
  }
  return out;
}

/**
 * Every installed plugin, keyed by `<kind>:<name>`. When two packages claim
 * the same name, the one nearer the first search root wins, as `require` would.
 */
export function discoverPlugins(searchRoots: string[]): Map<string, InstalledPlugin> {
  const found = new Map<string, InstalledPlugin>();
  const seenDirs = new Set<string>();
  for (const root of searchRoots) {
    for (const nm of nodeModulesPathsFrom(root)) {
      if (seenDirs.has(nm)) continue;
      seenDirs.add(nm);
      for (const dir of candidatesIn(nm)) {
        const manifest = readManifest(dir);
        if (manifest && !found.has(pluginKey(manifest.kind, manifest.name))) found.set(pluginKey(manifest.kind, manifest.name), manifest);
      }
    }
  }
  return found;
}

export function pluginKey(kind: PluginKind, name: string): string {
  return `${kind}:${name}`;
}

/** The npm package a user should install for a plugin name. */
export function suggestedPackage(kind: PluginKind, name: string): string {
  const official: Record<string, string> = { 'app:zmq': 'threatbus-zmq-app', 'app:misp': 'threatbus-misp', 'app:zeek': 'threatbus-zeek', 'backbone:rabbitmq': 'threatbus-rabbitmq' };
  return official[pluginKey(kind, name)] ?? `${PACKAGE_PREFIX}${name}`;
}

/**
 * Refuse a plugin whose manifest's `core` range excludes this core (as
 * Fastify checks a plugin's `fastify` range): a plugin built for another
 * core may call what this one lacks. A plugin without the field is accepted.
 */
export function checkCoreRange(installed: InstalledPlugin, coreVersion = CORE_VERSION): void {
  if (installed.core === undefined) return;
  const at = `${installed.packageName} ${installed.version}`;
  const fits = typeof installed.core === 'string' ? satisfiesRange(coreVersion, installed.core) : undefined;
  if (fits === undefined) {
    throw new ThreatBusError(ErrorCode.PLUGIN_INVALID, `${at} declares an invalid core range ${JSON.stringify(installed.core)} in package.json "threatbus.core" (expected e.g. "^${coreVersion}")`);
  }
  if (!fits) {
    throw new ThreatBusError(ErrorCode.PLUGIN_CORE_MISMATCH, `${at} was built for threatbus ${installed.core}, this is threatbus ${coreVersion}; install a version of ${installed.packageName} made for this core`);
  }
}

/** Check the plugin's core range, load its code and check that it exports a definition matching its manifest. */
export function loadPlugin(installed: InstalledPlugin): PluginDefinition {
  checkCoreRange(installed);
  const req = createRequire(join(installed.dir, 'package.json'));
  let mod: Record<string, unknown>;
  try {
    mod = req(installed.dir) as Record<string, unknown>;
  } catch (e) {
    throw new ThreatBusError(ErrorCode.PLUGIN_LOAD_FAILED, `plugin package ${installed.packageName} (${installed.dir}) failed to load: ${(e as Error).message}`, { cause: e });
  }
  const def = (mod.default ?? mod.plugin) as Partial<PluginDefinition> | undefined;
  if (!def || typeof def.create !== 'function' || def.kind !== installed.kind || def.name !== installed.name) {
    throw new ThreatBusError(
      ErrorCode.PLUGIN_INVALID,
      `plugin package ${installed.packageName} must export (as 'default' or 'plugin') a ${installed.kind} plugin definition named '${installed.name}'`,
    );
  }
  return def as PluginDefinition;
}
