/**
 * ZeroMQ intake against a real PUB socket on 127.0.0.1 publishing frames the
 * way MISP does (`misp_json_attribute {json}`), through a real in-memory bus.
 */
import * as zmq from 'zeromq';
import { startThreatBus } from 'threatbus';
import type { Indicator, StartedBus } from 'threatbus';
import { loadVectors } from '../../../tools/vectors';
import { probeApp } from 'threatbus/testing';
import mispPlugin from '../src';
import type { MispApp } from '../src/plugin';
import { notification, recordingLogger, sleep, uuid, waitFor } from './helpers';
import type { LogRecord } from './helpers';

interface Harness {
  pub: zmq.Publisher;
  port: number;
  bus: StartedBus;
  received: Indicator[];
  records: LogRecord[];
  app: MispApp;
  /** Publish one frame text. */
  send(text: string): Promise<void>;
  /** Publish a notification object as MISP does. */
  publish(n: unknown): Promise<void>;
  close(): Promise<void>;
}

async function harness(filter: unknown[] = []): Promise<Harness> {
  const pub = new zmq.Publisher();
  await pub.bind('tcp://127.0.0.1:*');
  const port = Number(/:(\d+)$/.exec(pub.lastEndpoint!)![1]);
  const sink = probeApp({ name: 'sink', topics: ['stix2/indicator'] });
  const logger = recordingLogger();
  const bus = await startThreatBus({
    config: { plugins: { apps: { misp: { zmq: { host: '127.0.0.1', port }, filter }, sink: {} } } },
    plugins: [mispPlugin, sink.definition],
    searchRoots: false,
    logger,
  });
  const h: Harness = {
    pub,
    port,
    bus,
    received: sink.received as Indicator[],
    records: logger.records,
    app: bus.bus.plugin<MispApp>('misp'),
    send: (text) => h.pub.send(text),
    publish: (n) => h.pub.send(`misp_json_attribute ${JSON.stringify(n)}`),
    close: async () => {
      await bus.close();
      h.pub.close();
    },
  };
  try {
    await connected(h);
  } catch (e) {
    await h.close();
    throw e;
  }
  return h;
}

/** ZeroMQ's slow joiner: publish a probe until the subscriber sees it, then forget it. */
async function connected(h: Harness): Promise<void> {
  const probe = uuid();
  await waitFor('the SUB socket to connect', () => {
    h.publish(notification({ uuid: probe, value: 'probe.example', tags: ['TLP:RED'] })).catch(() => undefined); // busy: next round
    return h.received.some((i) => i.id === `indicator--${probe}`);
  }, 15_000, 50);
  await sleep(100);
  h.received.length = 0;
}

/** Send `n` notifications followed by a marker, and wait until the marker arrives: all earlier frames were handled. */
async function sendAndSettle(h: Harness, frames: string[]): Promise<void> {
  const marker = uuid();
  for (const f of frames) await h.send(f);
  await h.publish(notification({ uuid: marker, value: 'marker.example', tags: ['TLP:RED'] }));
  await waitFor('the marker', () => h.received.some((i) => i.id === `indicator--${marker}`));
  const at = h.received.findIndex((i) => i.id === `indicator--${marker}`);
  h.received.splice(at, 1);
}

const frame = (n: unknown) => `misp_json_attribute ${JSON.stringify(n)}`;

describe('ZeroMQ intake', () => {
  let h: Harness;
  afterEach(async () => {
    const last = h as Harness | undefined;
    h = undefined as unknown as Harness;
    await last?.close();
  });

  test('the integration vector: a MISP frame becomes an indicator on stix2/indicator', async () => {
    h = await harness();
    const [v] = loadVectors<{ zmq_frame_topic: string; message: unknown }, Indicator>('misp-attribute-to-indicator.json').filter((x) => x.name.startsWith('integration:'));
    await sendAndSettle(h, [`${v.input.zmq_frame_topic} ${JSON.stringify(v.input.message)}`]);
    expect(h.received).toHaveLength(1);
    const got = h.received[0];
    expect(got.id).toBe(v.expected.id);
    expect(got.pattern).toBe(v.expected.pattern);
    expect(got.pattern_type).toBe('stix');
    expect(Date.parse(got.created)).toBe(Date.parse(v.expected.created));
    expect(h.app.intake.published).toBeGreaterThanOrEqual(1);
    const started = h.records.filter((r) => r.message === 'MISP plugin started');
    expect(started).toHaveLength(1);
    expect(started[0].meta?.intake).toBe(`zmq tcp://127.0.0.1:${h.port} (topic misp_json_attribute)`);
    expect(h.records.some((r) => r.level === 'warn' && /without API connection/.test(r.message))).toBe(true);
  });

  test('deletions, soft deletions and to_ids edits produce REMOVE; to_ids false adds nothing', async () => {
    h = await harness();
    const [a, b, c, d] = [uuid(), uuid(), uuid(), uuid()];
    await sendAndSettle(h, [
      frame(notification({ uuid: a, action: 'delete' })),
      frame(notification({ uuid: b, action: 'soft-delete' })),
      frame(notification({ uuid: c, action: 'edit', to_ids: false })),
      frame(notification({ uuid: d, action: 'add', to_ids: false })),
    ]);
    expect(h.received.map((i) => [i.id, i.x_threatbus_update])).toEqual([
      [`indicator--${a}`, 'REMOVE'],
      [`indicator--${b}`, 'REMOVE'],
      [`indicator--${c}`, 'REMOVE'],
    ]);
    expect(h.app.intake.ignored).toBe(1);
  });

  test('filters: only whitelisted attributes pass (orgs AND types AND tags, entries OR-ed)', async () => {
    h = await harness([{ orgs: ['1'], types: ['domain'], tags: ['TLP:RED', 'TLP:AMBER'] }, { orgs: ['7'] }]);
    const pass1 = uuid();
    const pass2 = uuid();
    await sendAndSettle(h, [
      frame(notification({ uuid: pass1, tags: ['TLP:AMBER'] })),
      frame(notification({ tags: ['TLP:WHITE'] })),
      frame(notification({ type: 'ip-dst', value: '1.2.3.4', tags: ['TLP:RED'] })),
      frame(notification({ orgc_id: '2', tags: ['TLP:RED'] })),
      frame(notification({ uuid: pass2, orgc_id: '7', type: 'url', value: 'http://x.example/' })),
    ]);
    expect(h.received.map((i) => i.id)).toEqual([`indicator--${pass1}`, `indicator--${pass2}`]);
  }, 20_000);

  test('bad input is logged (with the uuid when there is one) and skipped; the feed goes on', async () => {
    h = await harness();
    const good = uuid();
    const badUuid = uuid();
    await sendAndSettle(h, [
      'misp_json_attribute {not json',
      'misp_json_attribute',
      frame({ Attribute: { uuid: badUuid, type: 'domain', value: 'x.example', to_ids: true }, Event: { orgc_id: '1' }, action: 'add' }),
      frame(notification({ uuid: uuid(), type: 'text', value: 'hello' })),
      frame(notification({ action: 'explode' })),
      'misp_json_attribute_extra {"x": 1}',
      frame(notification({ uuid: good })),
    ]);
    expect(h.received.map((i) => i.id)).toEqual([`indicator--${good}`]);
    const errors = h.records.filter((r) => r.level === 'error' || r.level === 'warn');
    expect(errors.some((r) => /not JSON/.test(r.message) && r.meta?.source === `zmq tcp://127.0.0.1:${h.port}`)).toBe(true);
    expect(errors.some((r) => /not "<topic> <json>"/.test(r.message))).toBe(true);
    expect(errors.some((r) => r.meta?.uuid === badUuid && /timestamp/.test(String(r.meta?.error)))).toBe(true);
    expect(h.app.intake.invalid).toBe(4);
  });

  test('reconnects by itself when MISP restarts', async () => {
    h = await harness();
    h.pub.close();
    await sleep(300);
    const pub = new zmq.Publisher();
    // The old socket's port may linger briefly; retry the bind.
    await waitFor('rebinding the port', () => {
      try {
        void pub.bind(`tcp://127.0.0.1:${h.port}`).catch(() => undefined);
      } catch {
        // already binding
      }
      return true;
    });
    await sleep(200);
    h.pub = pub;
    await connected(h);
    const after = uuid();
    await sendAndSettle(h, [frame(notification({ uuid: after }))]);
    expect(h.received.map((i) => i.id)).toEqual([`indicator--${after}`]);
  }, 30_000);
});
