/** Start a bus with the zmq plugin on free ports; raw ZeroMQ helpers for driving it like a foreign app. */
import { Request, Subscriber, Publisher } from 'zeromq';
import { createIndicator, createSighting } from 'threatbus';
import type { Indicator, Sighting, Message, Subscriber as BusSubscriber } from 'threatbus';
import { recordingLogger, sleep, startTestBus, waitFor } from 'threatbus/testing';
import type { RecordingLogger, TestBus as KitTestBus } from 'threatbus/testing';
import zmqPlugin from '../src';
import type { BoundPorts, ZmqApp, ZmqAppConfig } from '../src';

export interface TestBus {
  started: KitTestBus;
  app: ZmqApp;
  ports: BoundPorts;
  manage: string;
  close(): Promise<void>;
}

export async function startBus(config: Partial<ZmqAppConfig> = {}, logger: RecordingLogger = recordingLogger()): Promise<TestBus> {
  const started = await startTestBus({
    config: { plugins: { apps: { zmq: { host: '127.0.0.1', manage: 0, pub: 0, sub: 0, ...config } } } },
    plugins: [zmqPlugin],
    probe: false,
    logger,
  });
  const app = started.plugin<ZmqApp>('zmq');
  const ports = app.ports as BoundPorts;
  return { started, app, ports, manage: `tcp://127.0.0.1:${ports.manage}`, close: () => started.close() };
}

/** One request on a fresh REQ socket, as the original apps do; returns the raw reply text. */
export async function request(endpoint: string, frame: string, timeoutMs = 3000): Promise<string> {
  const s = new Request({ linger: 0, receiveTimeout: timeoutMs, sendTimeout: timeoutMs });
  try {
    s.connect(endpoint);
    await s.send(frame);
    const [reply] = await s.receive();
    return reply.toString('utf8');
  } finally {
    s.close();
  }
}

export async function requestJson(endpoint: string, body: unknown): Promise<Record<string, unknown>> {
  return JSON.parse(await request(endpoint, JSON.stringify(body))) as Record<string, unknown>;
}

/** A raw SUB socket on the plugin's pub port, collecting frames as text. */
export function rawSubscriber(port: number, prefix: string): { frames: string[]; socket: Subscriber; done: Promise<void> } {
  const socket = new Subscriber({ linger: 0 });
  socket.connect(`tcp://127.0.0.1:${port}`);
  socket.subscribe(prefix);
  const frames: string[] = [];
  const done = (async () => {
    try {
      for await (const [f] of socket) frames.push(f.toString('utf8'));
    } catch {
      /* closed */
    }
  })();
  return { frames, socket, done };
}

/** A raw PUB socket on the plugin's sub port. */
export function rawPublisher(port: number): Publisher {
  const socket = new Publisher({ linger: 0 });
  socket.connect(`tcp://127.0.0.1:${port}`);
  return socket;
}

export { sleep, waitFor };

export function indicator(n: number): Indicator {
  return createIndicator({ pattern: `[ipv4-addr:value = '10.0.${Math.floor(n / 256) % 256}.${n % 256}']`, pattern_type: 'stix' });
}

export function sighting(of: Indicator): Sighting {
  return createSighting({ sighting_of_ref: of.id, x_threatbus_source: 'test' } as Parameters<typeof createSighting>[0]);
}

/** A bus-side collector of messages on a topic. */
export function collect(t: TestBus, topic: string): Message[] {
  const got: Message[] = [];
  const s: BusSubscriber = { push: (m) => got.push(m) };
  t.started.bus.subscribe(topic, s);
  return got;
}
