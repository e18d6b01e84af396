/** A bus in-process with a probe app and the Zeek plugin, whose log lines are recorded. */
import { createIndicator } from 'threatbus';
import type { Indicator } from 'threatbus';
import { startTestBus } from 'threatbus/testing';
import type { LogRecord, Probe, TestBus } from 'threatbus/testing';
import plugin from '../../src';
import type { ZeekApp } from '../../src/plugin';
import type { ZeekEvent } from '../../src/messages';

export const domain = (d: string, extra: Partial<Indicator> = {}): Indicator =>
  createIndicator({ pattern: `[domain-name:value = '${d}']`, pattern_type: 'stix', created: '2021-05-04T15:15:58.919Z', ...extra });

export const intelArgs = (e: ZeekEvent): unknown[] => {
  const [record] = e.args;
  if (record.type !== 'vector') throw new Error('intel arg is not a record');
  return record.value.map((f) => ('value' in f ? f.value : 'ns' in f ? f.ns : null));
};

export interface Harness {
  bus: TestBus;
  /** The kit's probe app: subscribed to sightings, answering indicator snapshots with `history`. */
  probe: Probe;
  app: () => ZeekApp;
  /** What the Zeek plugin logged (live). */
  readonly logs: LogRecord[];
  close(): Promise<void>;
}

export async function startBus(zeekConfig: Record<string, unknown>, history: Indicator[] = []): Promise<Harness> {
  const bus = await startTestBus({
    config: { plugins: { apps: { zeek: { ping_interval: 0, reconnect: { initial_delay: 0.05, max_delay: 0.2 }, ...zeekConfig } } } },
    plugins: [plugin],
    probe: { topics: ['stix2/sighting'], history },
  });
  return {
    bus,
    probe: bus.probe,
    get logs() {
      return bus.logger.records.filter((r) => r.logger === 'threatbus.zeek' || r.logger.startsWith('threatbus.zeek.'));
    },
    app: () => bus.plugin<ZeekApp>('zeek'),
    close: () => bus.close(),
  };
}
