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
import type { PluginDefinition, PluginKind, PluginManifest } from './plugin';
import { ErrorCode, ThreatBusError } from './errors';

export interface InstalledPlugin extends PluginManifest {
  /** npm package name. */
  packageName: string;
  version: string;
  /** Directory of the package. */
  dir: string;
}

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
    return { kind: tb.kind, name: tb.name, packageName: String(pkg.name), version: String(pkg.version ?? '0.0.0'), dir };
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

/** Load the plugin's code and check that it exports a definition matching its manifest. */
export function loadPlugin(installed: InstalledPlugin): PluginDefinition {
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
