/**
 * Test support: a real RabbitMQ on 127.0.0.1:5672 (guest/guest), unique
 * exchange and queue names per test, a bus with the kit's probe app, and
 * rabbitmqctl helpers that touch only this test's connections (other
 * packages' suites share the broker and run in parallel).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as amqp from 'amqplib';
import { parseIndicator } from 'threatbus';
import type { AppPluginDefinition, Indicator, Message } from 'threatbus';
import { recordingLogger, startTestBus } from 'threatbus/testing';
import type { LogRecord, Probe, TestBus as KitTestBus } from 'threatbus/testing';
import plugin from '../src';
import { needs, RABBITMQ } from '../../../tools/peers';

/** jest's test, describe and hooks; reported as skipped, with the reason, when nothing answers on 127.0.0.1:5672. */
export const withBroker = needs(RABBITMQ);

export const BROKER = { host: '127.0.0.1', port: 5672, username: 'guest', password: 'guest' };
export const BROKER_URL = 'amqp://guest:guest@127.0.0.1:5672';

export function uniqueName(prefix = 'tbtest'): string {
  return `${prefix}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export function rabbitmqctl(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('rabbitmqctl', ['-q', ...args], { timeout: 20_000 }, (err, stdout, stderr) => (err ? reject(new Error(`rabbitmqctl ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)));
  });
}

/** Process ids (what close_connection takes) of the broker's connections whose `connection_name` client property contains `needle`. */
export async function connectionsNamed(needle: string): Promise<string[]> {
  // The text format prints pids as close_connection takes them (the JSON format does not).
  const out = await rabbitmqctl('list_connections', 'pid', 'client_properties');
  return out
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t'))
    .filter(([, props]) => /\{"connection_name","([^"]*)"\}/.exec(props ?? '')?.[1].includes(needle))
    .map(([pid]) => pid);
}

/** Force-close this test's connections only (never close_all_connections: other suites share the broker). */
export async function closeConnections(needle: string): Promise<number> {
  const names = await connectionsNamed(needle);
  for (const pid of names) await rabbitmqctl('close_connection', pid, 'test: forced close');
  return names.length;
}

export { recordingLogger, waitFor } from 'threatbus/testing';
export type { LogRecord as LogLine } from 'threatbus/testing';

export interface TestBus {
  started: KitTestBus;
  /** The probe app (threatbus/testing), subscribed to `stix2`. */
  recorder: Probe;
  log: LogRecord[];
}

/** Start a bus with the RabbitMQ backbone and a recorder app. `rabbitmq` is merged into the backbone section. */
export async function startBus(
  exchange: string,
  suffix: string,
  rabbitmq: Record<string, unknown> = {},
  log: LogRecord[] = [],
  extraApps: AppPluginDefinition<never>[] = [],
): Promise<TestBus> {
  const { queue, ...rest } = rabbitmq as { queue?: Record<string, unknown> };
  const started = await startTestBus({
    config: {
      plugins: {
        backbones: {
          rabbitmq: {
            ...BROKER,
            exchange_name: exchange,
            reconnect: { initial_delay: 0.2, max_delay: 2 },
            ...rest,
            queue: { name_suffix: suffix, durable: false, auto_delete: true, ...queue },
          },
        },
      },
    },
    plugins: [plugin, ...extraApps],
    probe: { name: 'recorder' },
    logger: recordingLogger(log),
  });
  return { started, recorder: started.probe, log };
}

let counter = 0;
/** A distinct valid indicator; `tag` goes into the pattern so tests can tell them apart. */
export function indicator(tag: string = String(counter++)): Indicator {
  return parseIndicator({ type: 'indicator', spec_version: '2.1', pattern: `[domain-name:value = '${tag}.example.com']`, pattern_type: 'stix' });
}

export function tagOf(m: Message): string {
  if (m.type !== 'indicator') return `<${m.type}>`;
  return /'([^']*)\.example\.com'/.exec(m.pattern)?.[1] ?? m.pattern;
}

/** A plain amqplib connection for the test's own broker operations (inspecting, injecting, cleaning up). */
export async function adminChannel(name: string): Promise<{ conn: amqp.ChannelModel; ch: amqp.Channel }> {
  const conn = await amqp.connect(BROKER_URL, { clientProperties: { connection_name: `${name} admin` } });
  conn.on('error', () => {});
  const ch = await conn.createChannel();
  ch.on('error', () => {});
  return { conn, ch };
}

/** Delete the test's queues and exchange; tolerant of what is already gone. */
export async function cleanup(name: string, exchange: string, queues: string[]): Promise<void> {
  const { conn, ch } = await adminChannel(name);
  try {
    for (const q of queues) await ch.deleteQueue(q).catch(() => {});
    await ch.deleteExchange(exchange).catch(() => {});
  } finally {
    await conn.close().catch(() => {});
  }
}
