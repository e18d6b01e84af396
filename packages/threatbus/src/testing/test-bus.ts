/**
 * `startTestBus`: a real bus in the test's process, with the plugins under
 * test given directly (no discovery), a probe app, and a recording logger.
 */
import { startThreatBus } from '../runtime/start';
import type { StartedBus } from '../runtime/start';
import type { PluginDefinition } from '../plugin';
import type { MessageSubscriber } from '../runtime/queue';
import { isJsonObject } from '../wire/json-object';
import { probeApp } from './probe';
import type { Probe, ProbeOptions } from './probe';
import { recordingLogger } from './logger';
import type { RecordingLogger } from './logger';

export interface TestBusOptions {
  /** Plugin definitions to run. One without a section in `config` runs with an empty section. */
  plugins?: PluginDefinition[];
  /**
   * The config, as the YAML file would have it (`plugins.apps`,
   * `plugins.backbones`, `logging`, ...). No backbone configured: the
   * in-memory one.
   */
  config?: Record<string, unknown>;
  /** The probe app's options; `false`: no probe. */
  probe?: ProbeOptions | false;
  /** Default: a fresh recording logger. */
  logger?: RecordingLogger;
}

export interface TestBus {
  /** The running bus; `bus.plugin(name)` reaches a plugin instance. */
  bus: StartedBus['bus'];
  /** The probe app (throws when started with `probe: false`). */
  probe: Probe;
  /** The logger the bus logs through. */
  logger: RecordingLogger;
  /** The instance of the plugin configured as `name`; the caller names the type it expects. */
  plugin<P>(name: string): P;
  /** The local subscribers a message of `topic` reaches, to check what a plugin registered at the bus. */
  subscribersOf(topic: string): MessageSubscriber[];
  /** Stop the bus. Safe to call twice. */
  close(): Promise<void>;
}

/** Start a bus with `plugins` (or the given options); resolves once every plugin has started. */
export async function startTestBus(options: TestBusOptions | PluginDefinition[]): Promise<TestBus> {
  const opts: TestBusOptions = Array.isArray(options) ? { plugins: options } : options;
  const probe = opts.probe === false ? undefined : probeApp(opts.probe);
  const definitions = [...(probe ? [probe.definition] : []), ...(opts.plugins ?? [])];
  const config = structuredClone(opts.config ?? {});
  const plugins = section(config, 'plugins');
  // The probe starts first, so it is there (subscribed, answering snapshots) when the plugins under test start.
  if (probe) plugins.apps = { [probe.name]: {}, ...section(plugins, 'apps') };
  for (const d of definitions) {
    const kindSection = section(plugins, d.kind === 'app' ? 'apps' : 'backbones');
    if (!(d.name in kindSection)) kindSection[d.name] = {};
  }
  const logger = opts.logger ?? recordingLogger();
  const started = await startThreatBus({ config, plugins: definitions, searchRoots: false, logger });
  return {
    bus: started.bus,
    get probe(): Probe {
      if (!probe) throw new Error('this test bus was started without a probe app');
      return probe;
    },
    logger,
    plugin: <P>(name: string) => started.bus.plugin<P>(name),
    subscribersOf: (topic) => started.bus.subscribersOf(topic),
    close: () => started.close(),
  };
}

function section(parent: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = parent[key];
  if (isJsonObject(value)) return value;
  const fresh: Record<string, unknown> = {};
  parent[key] = fresh;
  return fresh;
}
