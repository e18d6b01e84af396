/** A bus in-process with a probe app and the Zeek plugin, whose log lines are recorded. */
import { createIndicator, silentLogger, startThreatBus } from 'threatbus';
import type { Indicator, StartedBus } from 'threatbus';
import plugin from '../../src';
import type { ZeekApp, ZeekEvent } from '../../src';
import { probeApp, recordingLogger } from './helpers';
import type { LogRecord } from './helpers';

export const domain = (d: string, extra: Partial<Indicator> = {}): Indicator =>
  createIndicator({ pattern: `[domain-name:value = '${d}']`, pattern_type: 'stix', created: '2021-05-04T15:15:58.919Z', ...extra });

export const intelArgs = (e: ZeekEvent): unknown[] => {
  const [record] = e.args;
  if (record.type !== 'vector') throw new Error('intel arg is not a record');
  return record.value.map((f) => ('value' in f ? f.value : 'ns' in f ? f.ns : null));
};

export interface Harness {
  bus: StartedBus;
  probe: ReturnType<typeof probeApp>;
  app: () => ZeekApp;
  logs: LogRecord[];
  close(): Promise<void>;
}

export async function startBus(zeekConfig: Record<string, unknown>, history: Indicator[] = []): Promise<Harness> {
  const probe = probeApp(history);
  const logs: LogRecord[] = [];
  let app: ZeekApp | undefined;
  const wrapped = { ...plugin, create: (ctx: Parameters<typeof plugin.create>[0]) => (app = plugin.create({ ...ctx, logger: recordingLogger(logs) }) as ZeekApp) };
  const bus = await startThreatBus({
    config: { plugins: { apps: { probe: {}, zeek: { ping_interval: 0, reconnect: { initial_delay: 0.05, max_delay: 0.2 }, ...zeekConfig } } } },
    plugins: [probe.definition, wrapped],
    searchRoots: false,
    logger: silentLogger(),
  });
  return {
    bus,
    probe,
    logs,
    app: () => {
      if (!app) throw new Error('zeek app not created');
      return app;
    },
    close: () => bus.close(),
  };
}

