/**
 * Test helpers for threatbus-opencti on the core's kit (`threatbus/testing`):
 * a harness that starts a bus with the plugin pointed at the OpenCTI double.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppPluginDefinition } from 'threatbus';
import { startTestBus, waitFor as waitForKit } from 'threatbus/testing';
import type { LogRecord, Probe, TestBus } from 'threatbus/testing';
import openCtiPlugin from '../src';
import type { OpenCtiApp } from '../src/plugin';
import type { OpenCtiDouble } from './opencti-double';

export { waitFor, sleep } from 'threatbus/testing';
export type { LogRecord } from 'threatbus/testing';

/** Fast retries for tests, and no state file in the working directory. */
export const FAST = { state_file: false, reconnect: { initial_delay: 0.05, max_delay: 0.2 }, sightings: { retry_for: 2, retry_delay: 0.05 }, timeout: 5 };

/** The plugin's config pointing at `octi`, with FAST retries. */
export const configFor = (octi: OpenCtiDouble, config: Record<string, unknown> = {}) => ({ url: octi.url, token: octi.token, ...FAST, ...config });

export interface Harness {
  octi: OpenCtiDouble;
  test: TestBus;
  app: OpenCtiApp;
  probe: Probe;
  records: LogRecord[];
  /** Stop the bus only (the double keeps running), e.g. to restart it. */
  closeBus(): Promise<void>;
}

/** A temp dir, removed by the caller. */
export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'threatbus-opencti-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Start a bus with the plugin (config merged over `configFor(octi)`), the
 * kit's probe app, and any `extra` plugins with their config sections.
 */
export async function startBus(
  octi: OpenCtiDouble,
  config: Record<string, unknown> = {},
  extra: { plugins?: AppPluginDefinition<never>[]; apps?: Record<string, unknown> } = {},
): Promise<Harness> {
  const test = await startTestBus({
    plugins: [openCtiPlugin as AppPluginDefinition<never>, ...(extra.plugins ?? [])],
    config: { plugins: { apps: { ...extra.apps, opencti: configFor(octi, config) } } },
  });
  return { octi, test, app: test.plugin<OpenCtiApp>('opencti'), probe: test.probe, records: test.logger.records, closeBus: () => test.close() };
}

/** Log lines at `level` whose message contains `text`. */
export const lines = (records: LogRecord[], level: string, text: string | RegExp): LogRecord[] =>
  records.filter((r) => r.level === level && (typeof text === 'string' ? r.message.includes(text) : text.test(r.message)));

/** The plugin holds an open stream: the double accepted it and the plugin got the response (events emitted now reach it). */
export const streamOpen = (h: Harness, connections = 1): Promise<void> =>
  waitForKit(`${connections} stream connection(s)`, () => h.app.counters.stream.connections >= connections && h.octi.openStreams >= 1);
