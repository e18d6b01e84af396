/** Shared test helpers: a recording logger, a sink app on the bus, waiting. */
import { defineAppPlugin } from 'threatbus';
import type { AppBus, AppPluginDefinition, Logger, LogMeta, Message } from 'threatbus';
import mispPlugin, { MispApp } from '../src';
import type { MispConfig } from '../src';

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

/** An app that collects everything on `topic` and hands out the bus. */
export function sinkPlugin(topic = 'stix2/indicator') {
  const received: Message[] = [];
  let bus!: AppBus;
  const definition = defineAppPlugin({
    name: 'sink',
    create: (ctx) => {
      bus = ctx.bus;
      return { start: async () => void bus.subscribe(topic, { push: (m) => received.push(m) }), stop: async () => {} };
    },
  });
  return { definition, received, bus: () => bus };
}

/** The MISP plugin definition, remembering the instance the bus created. */
export function capturingMisp(): { definition: AppPluginDefinition<MispConfig>; app: () => MispApp } {
  let app: MispApp | undefined;
  const definition: AppPluginDefinition<MispConfig> = {
    ...mispPlugin,
    create: (ctx) => (app = mispPlugin.create(ctx) as MispApp),
  };
  return { definition, app: () => app! };
}

export { waitFor, sleep } from '../../../tools/wait';

let counter = 0;
/** A distinct attribute uuid per call. */
export function uuid(): string {
  counter++;
  return `5e1f2787-fcfc-4718-a58a-${(process.pid % 65536).toString(16).padStart(4, '0')}${counter.toString(16).padStart(8, '0')}`;
}

/** A MISP attribute notification as MISP's ZeroMQ/Kafka export sends it. */
export function notification(init: { type?: string; value?: string; to_ids?: boolean; action?: string; uuid?: string; orgc_id?: string; tags?: string[]; deleted?: boolean } = {}) {
  return {
    Attribute: {
      id: '15',
      event_id: '1',
      object_id: '0',
      object_relation: null,
      category: 'Network activity',
      type: init.type ?? 'domain',
      value1: init.value ?? 'example.com',
      value2: '',
      to_ids: init.to_ids ?? true,
      uuid: init.uuid ?? uuid(),
      timestamp: '1614599635',
      distribution: '5',
      sharing_group_id: '0',
      comment: '',
      deleted: init.deleted ?? false,
      disable_correlation: false,
      value: init.value ?? 'example.com',
      Sighting: [],
      Tag: (init.tags ?? []).map((name, i) => ({ id: String(i + 1), name, colour: '#ff0000', exportable: true })),
    },
    Event: { id: '1', date: '2021-03-01', info: 'test', uuid: '5e1ee79d-25c8-42bd-a386-0291c0a82f06', published: false, analysis: '0', threat_level_id: '1', org_id: '1', orgc_id: init.orgc_id ?? '1', distribution: '3', sharing_group_id: '0' },
    action: init.action ?? 'add',
  };
}
