/** Creating a plugin instance outside a bus, with its config validated as the bus would. */
import { ConfigError, validateAgainst } from '../config/validate';
import { isJsonObject } from '../wire/json-object';
import type { PluginDefinition } from '../plugin';
import type { Logger } from '../logging';
import { detachedPluginMetrics } from '../metrics/registry';
import type { PluginContext } from '../plugin';

/** The plugin's section after schema validation (defaults filled in) and its own `validate`; throws ConfigError. */
export function validatedConfig<C>(definition: Pick<PluginDefinition, 'name' | 'kind' | 'configSchema'> & { validate?(config: C): { path: string; message: string }[] }, section: unknown): C {
  const config = structuredClone(section ?? {});
  const path = ['plugins', definition.kind === 'app' ? 'apps' : 'backbones', definition.name];
  const problems = definition.configSchema
    ? validateAgainst(definition.configSchema, config, path, () => undefined)
    : isJsonObject(config) ? [] : [{ path: path.join('.'), message: 'must be a mapping' }];
  if (problems.length === 0 && definition.validate) {
    for (const p of definition.validate(config as C)) problems.push({ path: [...path, ...(p.path ? [p.path] : [])].join('.'), message: p.message });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config as C;
}

/** The context fields every plugin gets, for a plugin created outside a bus (metrics go nowhere). */
export function basePluginContext<C>(name: string, config: C, logger: Logger): PluginContext<C> {
  return { config, logger, metrics: detachedPluginMetrics(name) };
}
