/**
 * Test helpers for threatbus-opencti: a recording logger, a probe app on the
 * bus, and a harness that starts the OpenCTI double and a bus with the plugin.
 * (Kept here until the core's shared `threatbus/testing` kit exists.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineAppPlugin, startThreatBus } from 'threatbus';
import type { AppBus, AppPluginDefinition, Indicator, Logger, LogMeta, Message, StartedBus } from 'threatbus';
import openCtiPlugin, { OpenCtiApp } from '../src';
import type { OpenCtiConfig } from '../src';
import { OpenCtiDouble } from './opencti-double';

export { waitFor, sleep } from '../../../tools/wait';

export interface LogRecord {
  level: string;
  logger: string;
  message: string;
  meta?: LogMeta;
}

export function recordingLogger(records: LogRecord[] = [], name = 'threatbus'): Logger & { records: LogRecord[] } {
  const log = (level: string) => (message: string, meta?: LogMeta) => records.push({ level, logger: name, message, meta });
  return {
    records,
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    critical: log('critical'),
    child: (child: string) => recordingLogger(records, `${name}.${child}`),
    isDebugEnabled: () => true,
  };
}

/** An app that records indicators and hands out the bus. */
export function probePlugin() {
  const indicators: Indicator[] = [];
  let bus: AppBus | undefined;
  const definition = defineAppPlugin({
    name: 'probe',
    create: (ctx) => {
      bus = ctx.bus;
      return { start: async () => void ctx.bus.subscribe('stix2/indicator', { push: (m: Message) => void indicators.push(m as Indicator) }), stop: async () => {} };
    },
  });
  return {
    definition,
    indicators,
    publish: (m: Message) => {
      if (!bus) throw new Error('bus not started');
      return bus.publish(m);
    },
  };
}

/** The plugin definition, remembering the instance the bus created. */
export function capturingOpenCti(): { definition: AppPluginDefinition<OpenCtiConfig>; app: () => OpenCtiApp } {
  let app: OpenCtiApp | undefined;
  return {
    definition: { ...openCtiPlugin, create: (ctx) => (app = openCtiPlugin.create(ctx) as OpenCtiApp) },
    app: () => {
      if (!app) throw new Error('opencti app not created');
      return app;
    },
  };
}

/** Fast retries for tests. */
export const FAST = { reconnect: { initial_delay: 0.05, max_delay: 0.2 }, sightings: { retry_for: 2, retry_delay: 0.05 }, timeout: 5 };

export interface Harness {
  octi: OpenCtiDouble;
  bus: StartedBus;
  app: OpenCtiApp;
  probe: ReturnType<typeof probePlugin>;
  records: LogRecord[];
  /** Stop the bus only (the double keeps running), e.g. to restart it. */
  closeBus(): Promise<void>;
}

/** A temp dir removed after the test file. */
export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'threatbus-opencti-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Start a bus with the plugin (config merged over url/token of `octi` and
 * FAST) plus a probe app and any `extra` plugins with their config.
 */
export async function startBus(
  octi: OpenCtiDouble,
  config: Record<string, unknown> = {},
  extra: { plugins?: AppPluginDefinition<never>[]; apps?: Record<string, unknown>; records?: LogRecord[] } = {},
): Promise<Harness> {
  const probe = probePlugin();
  const capture = capturingOpenCti();
  const logger = recordingLogger(extra.records);
  const bus = await startThreatBus({
    config: { plugins: { apps: { probe: {}, ...extra.apps, opencti: { url: octi.url, token: octi.token, ...FAST, ...config } } } },
    plugins: [probe.definition, capture.definition, ...(extra.plugins ?? [])] as AppPluginDefinition<never>[],
    searchRoots: false,
    logger,
  });
  return { octi, bus, app: capture.app(), probe, records: logger.records, closeBus: () => bus.close() };
}

/** Log lines at `level` whose message contains `text`. */
export const lines = (records: LogRecord[], level: string, text: string | RegExp): LogRecord[] =>
  records.filter((r) => r.level === level && (typeof text === 'string' ? r.message.includes(text) : text.test(r.message)));
