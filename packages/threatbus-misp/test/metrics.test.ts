/**
 * Issue 17 end to end: MISP's ZeroMQ publisher (a real PUB socket) → the
 * MISP plugin → the bus → the zmq app → a client of threatbus-zmq-app/client,
 * with the metrics endpoint on. /metrics is scraped over HTTP and parsed as
 * Prometheus text; the counters move by exactly what was sent, and every
 * notification MISP sent is accounted for: received = in + dropped. A MISP
 * publisher that goes away flips peer_up{peer="zmq"} and /readyz.
 */
import * as zmq from 'zeromq';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { startThreatBus } from 'threatbus';
import type { StartedBus } from 'threatbus';
import zmqPlugin from 'threatbus-zmq-app';
import type { ZmqApp } from 'threatbus-zmq-app';
import { ThreatBusClient } from 'threatbus-zmq-app/client';
import mispPlugin from '../src';
import { notification, recordingLogger, uuid, waitFor } from './helpers';

type Sample = { labels?: Record<string, string>; value?: string; count?: string };
type Family = { name: string; type: string; metrics: Sample[] };

/** The sum of the samples of `name` whose labels include `labels` (0 when there is none). */
function value(families: Family[], name: string, labels: Record<string, string>): number {
  const family = families.find((f) => f.name === name);
  let total = 0;
  for (const m of family?.metrics ?? []) {
    if (Object.entries(labels).every(([k, v]) => m.labels?.[k] === v)) total += Number(m.value ?? m.count ?? 0);
  }
  return total;
}

const frame = (n: unknown) => `misp_json_attribute ${JSON.stringify(n)}`;
const RED = ['TLP:RED'];

describe('metrics end to end: MISP ZeroMQ → bus → zmq app', () => {
  let pub: zmq.Publisher | undefined;
  let bus: StartedBus | undefined;
  let client: ThreatBusClient | undefined;
  afterEach(async () => {
    await client?.close();
    await bus?.close();
    pub?.close();
    client = undefined;
    bus = undefined;
    pub = undefined;
  });

  test('counters move by exactly what was sent; a stopped MISP publisher flips peer_up and /readyz', async () => {
    pub = new zmq.Publisher();
    await pub.bind('tcp://127.0.0.1:*');
    const mispPort = Number(/:(\d+)$/.exec(pub.lastEndpoint!)![1]);
    bus = await startThreatBus({
      config: {
        metrics: { enabled: true, host: '127.0.0.1', port: 0 },
        plugins: {
          apps: {
            misp: { zmq: { host: '127.0.0.1', port: mispPort }, filter: [{ tags: RED }] },
            zmq: { host: '127.0.0.1', manage: 0, pub: 0, sub: 0 },
          },
        },
      },
      plugins: [mispPlugin, zmqPlugin],
      searchRoots: false,
      logger: recordingLogger(),
    });
    const base = `http://127.0.0.1:${bus.metricsServer!.address.port}`;
    const scrape = async (): Promise<Family[]> => {
      const res = await fetch(`${base}/metrics`);
      expect(res.status).toBe(200);
      return parsePrometheusTextFormat(await res.text()) as Family[];
    };
    const readyz = async () => {
      const res = await fetch(`${base}/readyz`);
      return { status: res.status, body: (await res.json()) as Record<string, string> };
    };

    const manage = bus.bus.plugin<ZmqApp>('zmq').ports!.manage;
    const c = (client = new ThreatBusClient({ endpoint: `127.0.0.1:${manage}`, topics: 'stix2/indicator' }));
    const seen = new Set<string>();
    c.onMessage((m) => {
      if (m.type === 'indicator') seen.add(m.id);
    });
    await c.start();
    // Both ZeroMQ hops join slowly: publish probes until the client sees one. They count too, hence the baseline.
    const probe = uuid();
    await waitFor('MISP → client', () => {
      pub!.send(frame(notification({ uuid: probe, value: 'probe.example', tags: RED }))).catch(() => undefined);
      return seen.has(`indicator--${probe}`);
    }, 15_000, 50);
    // One connection per hop keeps the order: once this one is through, so are the extra probes.
    const sync = uuid();
    await pub.send(frame(notification({ uuid: sync, value: 'sync.example', tags: RED })));
    await waitFor('the sync notification', () => seen.has(`indicator--${sync}`));
    await waitFor('/readyz 200', async () => (await readyz()).status === 200);
    const before = await scrape();
    expect(value(before, 'threatbus_peer_up', { plugin: 'misp', peer: 'zmq' })).toBe(1);
    expect(value(before, 'threatbus_subscribers', { plugin: 'zmq' })).toBe(1);

    const valid = Array.from({ length: 12 }, (_, i) => frame(notification({ value: `v${i}.example`, tags: RED })));
    // Not whitelisted, and one on another topic that shares the subscribed prefix.
    const filtered = [...Array.from({ length: 3 }, () => frame(notification({ tags: ['TLP:GREEN'] }))), `misp_json_attribute_x ${JSON.stringify(notification({ tags: RED }))}`];
    const notIds = Array.from({ length: 2 }, () => frame(notification({ to_ids: false, tags: RED })));
    const invalid = ['misp_json_attribute {not json', 'misp_json_attribute [1,'];
    const marker = uuid();
    for (const f of [...valid, ...filtered, ...notIds, ...invalid]) await pub.send(f);
    await pub.send(frame(notification({ uuid: marker, value: 'marker.example', tags: RED })));
    await waitFor('the marker at the client', () => seen.has(`indicator--${marker}`));
    const sent = valid.length + filtered.length + notIds.length + invalid.length + 1;

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) => value(after, name, labels) - value(before, name, labels);
    expect(delta('threatbus_misp_received_total', { plugin: 'misp' })).toBe(sent);
    expect(delta('threatbus_messages_in_total', { plugin: 'misp', type: 'indicator' })).toBe(valid.length + 1);
    expect(delta('threatbus_messages_dropped_total', { plugin: 'misp', reason: 'filtered' })).toBe(filtered.length);
    expect(delta('threatbus_messages_dropped_total', { plugin: 'misp', reason: 'not_ids' })).toBe(notIds.length);
    expect(delta('threatbus_messages_dropped_total', { plugin: 'misp', reason: 'invalid' })).toBe(invalid.length);
    // Every notification is accounted for.
    expect(delta('threatbus_misp_received_total', { plugin: 'misp' })).toBe(
      delta('threatbus_messages_in_total', { plugin: 'misp' }) + delta('threatbus_messages_dropped_total', { plugin: 'misp' }),
    );
    // The zmq app delivered each of them to its client, and dropped nothing.
    expect(delta('threatbus_messages_out_total', { plugin: 'zmq', type: 'indicator' })).toBe(valid.length + 1);
    expect(delta('threatbus_messages_dropped_total', { plugin: 'zmq' })).toBe(0);
    expect(value(after, 'threatbus_queue_depth', { plugin: 'zmq' })).toBe(0);
    expect(value(after, 'process_resident_memory_bytes', {})).toBeGreaterThan(0);

    // MISP goes away: the SUB socket sees the disconnect.
    pub.close();
    pub = undefined;
    await waitFor('peer_up{misp,zmq} 0', async () => value(await scrape(), 'threatbus_peer_up', { plugin: 'misp', peer: 'zmq' }) === 0);
    const { status, body } = await readyz();
    expect(status).toBe(503);
    expect(body.misp).toMatch(/^zmq: .* since \d+ s$/);
  });
});
