/**
 * One call from config to running bus, used by the CLI and by anyone who
 * embeds the bus (tests of plugins, benchmarks).
 */
import { loadRawConfig } from '../config/load';
import { applyEnvOverrides } from '../config/env';
import type { RawConfig } from '../config/load';
import { createLogger } from '../logging';
import type { Logger, LoggingConfig } from '../logging';
import { planBus } from './plan';
import type { PlanOptions } from './plan';
import { ThreatBus } from './bus';
import { BusMetrics, startMetricsServer } from '../metrics';
import type { MetricsServer } from '../metrics';

export interface StartOptions extends PlanOptions {
  /** Config file path (-c); default ./config.yaml or ./config.yml. Ignored when `config` is given. */
  configPath?: string;
  /** Config as an object (already parsed YAML). Environment overrides apply only from an explicit `env`. */
  config?: Record<string, unknown>;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Override the console verbosity of the config (CLI --log-level). */
  logLevel?: LoggingConfig['console_verbosity'];
  /** Use this logger instead of building one from the `logging` section. */
  logger?: Logger;
}

export interface StartedBus {
  bus: ThreatBus;
  logger: Logger;
  /** The metrics endpoint, when `metrics.enabled`. */
  metricsServer?: MetricsServer;
  /** Stop the bus and flush the logs. */
  close(): Promise<void>;
}

export function rawConfigFrom(options: StartOptions): RawConfig {
  if (options.config) {
    // Deep copy: validation fills in defaults.
    const data = structuredClone(options.config);
    return { data, envOrigins: options.env ? applyEnvOverrides(data, options.env) : new Map() };
  }
  return loadRawConfig({ path: options.configPath, cwd: options.cwd, env: options.env });
}

export async function startThreatBus(options: StartOptions): Promise<StartedBus> {
  const plan = planBus(rawConfigFrom(options), options);
  if (options.logLevel) plan.config.logging.console_verbosity = options.logLevel;
  const handle = options.logger ? { logger: options.logger, close: async () => {} } : createLogger(plan.config.logging);
  for (const note of plan.notes) handle.logger.debug(note);
  const metrics = new BusMetrics();
  const bus = new ThreatBus(plan, handle.logger, metrics);
  let metricsServer: MetricsServer | undefined;
  try {
    // Before the plugins start, so an orchestrator sees /readyz answer 503 while they connect.
    if (plan.config.metrics?.enabled) {
      metricsServer = await startMetricsServer(metrics, plan.config.metrics);
      handle.logger.info('Metrics endpoint listening', { url: `http://${metricsServer.address.host}:${metricsServer.address.port}/metrics` });
    }
    await bus.start();
  } catch (e) {
    await metricsServer?.close();
    await handle.close();
    throw e;
  }
  return {
    bus,
    logger: handle.logger,
    metricsServer,
    close: async () => {
      await bus.stop();
      await metricsServer?.close();
      await handle.close();
    },
  };
}
