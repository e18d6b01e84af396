/**
 * The metrics endpoint (docs/observability.md), scraped over real HTTP:
 * counters move by exactly what was sent, readiness follows the peers, the
 * text parses as Prometheus exposition format, a port in use is one clear error.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { defineAppPlugin, parseIndicator, silentLogger, startThreatBus, MetricsListenError } from '../src';
import type { AppBus, Message, PluginMetrics, StartedBus } from '../src';

interface Probe {
  bus: AppBus;
  metrics: PluginMetrics;
  received: Message[];
}

function probePlugin(name: string, probes: Map<string, Probe>) {
  return defineAppPlugin({
    name,
    create: (ctx) => {
      const probe: Probe = { bus: ctx.bus, metrics: ctx.metrics, received: [] };
      probes.set(name, probe);
      const subscriber = {
        push: (m: Message) => {
          probe.received.push(m);
          ctx.metrics.messageOut(m.type);
        },
      };
      return {
        start: async () => {
          ctx.metrics.peer('upstream', true);
          ctx.bus.subscribe('stix2/indicator', subscriber);
        },
        stop: async () => ctx.bus.unsubscribe('stix2/indicator', subscriber),
      };
    },
  });
}

async function get(url: string): Promise<{ status: number; body: string; type: string | null }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}

type Sample = { labels?: Record<string, string>; value?: string };
function valueOf(text: string, name: string, labels: Record<string, string>): number | undefined {
  const families = parsePrometheusTextFormat(text) as { name: string; metrics: Sample[] }[];
  const family = families.find((f) => f.name === name);
  const sample = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return sample?.value === undefined ? undefined : Number(sample.value);
}

describe('metrics endpoint', () => {
  let started: StartedBus;
  const probes = new Map<string, Probe>();
  let base: string;

  beforeAll(async () => {
    started = await startThreatBus({
      config: { metrics: { enabled: true, host: '127.0.0.1', port: 0 }, plugins: { apps: { producer: {}, consumer: {} } } },
      plugins: [probePlugin('producer', probes), probePlugin('consumer', probes)],
      searchRoots: false,
      logger: silentLogger(),
    });
    base = `http://127.0.0.1:${started.metricsServer!.address.port}`;
  });
  afterAll(() => started.close());

  test('counters move by exactly what was sent, per plugin and type', async () => {
    const producer = probes.get('producer')!;
    const sent = 25;
    for (let i = 0; i < sent; i++) {
      await producer.bus.publish(parseIndicator({ type: 'indicator', spec_version: '2.1', pattern: `[ipv4-addr:value = '10.0.0.${i}']`, pattern_type: 'stix' }));
    }
    producer.metrics.dropped('invalid', 3);
    const { status, body, type } = await get(`${base}/metrics`);
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain/);
    expect(valueOf(body, 'threatbus_messages_in_total', { plugin: 'producer', type: 'indicator' })).toBe(sent);
    expect(valueOf(body, 'threatbus_messages_in_total', { plugin: 'consumer', type: 'indicator' })).toBe(0);
    // Both probes subscribe, so each delivered every indicator to its "peer".
    expect(valueOf(body, 'threatbus_messages_out_total', { plugin: 'consumer', type: 'indicator' })).toBe(sent);
    expect(valueOf(body, 'threatbus_messages_dropped_total', { plugin: 'producer', reason: 'invalid' })).toBe(3);
    expect(valueOf(body, 'threatbus_peer_up', { plugin: 'producer', peer: 'upstream' })).toBe(1);
    expect(valueOf(body, 'process_resident_memory_bytes', {})).toBeGreaterThan(0);
    expect(body).toContain('nodejs_eventloop_lag_seconds');
  });

  test('a plugin\'s own metrics carry its plugin label', async () => {
    const consumer = probes.get('consumer')!;
    consumer.metrics.counter('threatbus_probe_things_total', 'things', ['result']).inc({ result: 'ok' }, 2);
    expect(() => consumer.metrics.counter('probe_things', 'bad name')).toThrow(/prefix threatbus_/);
    let depth = 4;
    consumer.metrics.sampled('threatbus_probe_depth', 'read at scrape time', 'gauge', () => depth);
    const { body } = await get(`${base}/metrics`);
    expect(valueOf(body, 'threatbus_probe_things_total', { plugin: 'consumer', result: 'ok' })).toBe(2);
    expect(valueOf(body, 'threatbus_probe_depth', { plugin: 'consumer' })).toBe(4);
    depth = 9;
    expect(valueOf((await get(`${base}/metrics`)).body, 'threatbus_probe_depth', { plugin: 'consumer' })).toBe(9);
  });

  test('queue depth and subscribers given as functions are read at scrape time', async () => {
    const consumer = probes.get('consumer')!;
    let waiting = 7;
    consumer.metrics.queueDepth(() => waiting);
    consumer.metrics.subscribers(() => 2);
    const { body } = await get(`${base}/metrics`);
    expect(valueOf(body, 'threatbus_queue_depth', { plugin: 'consumer' })).toBe(7);
    expect(valueOf(body, 'threatbus_subscribers', { plugin: 'consumer' })).toBe(2);
    waiting = 0;
    expect(valueOf((await get(`${base}/metrics`)).body, 'threatbus_queue_depth', { plugin: 'consumer' })).toBe(0);
  });

  test('/healthz answers 200; /readyz follows the peers and names what a plugin waits for', async () => {
    expect((await get(`${base}/healthz`)).status).toBe(200);
    let ready = await get(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ inmem: 'running', producer: 'upstream connected', consumer: 'upstream connected' });

    probes.get('producer')!.metrics.peer('upstream', false, 'reconnecting');
    ready = await get(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body).producer).toMatch(/^upstream: reconnecting since \d+ s$/);
    const scraped = await get(`${base}/metrics`);
    expect(valueOf(scraped.body, 'threatbus_peer_up', { plugin: 'producer', peer: 'upstream' })).toBe(0);

    probes.get('producer')!.metrics.peer('upstream', true);
    expect((await get(`${base}/readyz`)).status).toBe(200);
    expect((await get(`${base}/nothing`)).status).toBe(404);
  });

  test('a port in use is one clear error naming the address and the config keys', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const attempt = startThreatBus({
        config: { metrics: { enabled: true, host: '127.0.0.1', port }, plugins: { apps: { producer: {} } } },
        plugins: [probePlugin('producer', new Map())],
        searchRoots: false,
        logger: silentLogger(),
      });
      await expect(attempt).rejects.toThrow(MetricsListenError);
      await expect(attempt).rejects.toThrow(`metrics endpoint cannot listen on 127.0.0.1:${port}: the port is in use (config: metrics.host, metrics.port)`);
    } finally {
      blocker.close();
    }
  });
});
