/** The testing kit itself: startTestBus, the probe, bus.plugin(name), the recording logger, the error base. */
import { createIndicator, defineAppPlugin, ConfigError, ErrorCode, ThreatBusError, isThreatBusError, isRetriable } from '../src';
import { appContract, freePort, probeApp, isReachableSync, recordingLogger, startTestBus, waitFor } from '../src/testing';
import type { TestBus } from '../src/testing';

/** A tiny app that echoes every indicator it gets back as a sighting. */
const echo = defineAppPlugin<{ source: string }>({
  name: 'echo',
  configSchema: { type: 'object', properties: { source: { type: 'string', default: 'echo' } }, additionalProperties: false },
  create: ({ bus, config }) => {
    const subscriber = { push: (m: { type: string; id?: string }) => void (m.type === 'indicator' && bus.publish({ type: 'sighting', id: `sighting--${m.id?.slice(11)}`, spec_version: '2.1', created: '2024-01-01T00:00:00.000Z', modified: '2024-01-01T00:00:00.000Z', sighting_of_ref: m.id as string, x_threatbus_source: config.source } as never)) };
    return {
      start: async () => void bus.subscribe('stix2/indicator', subscriber),
      stop: async () => bus.unsubscribe('stix2/indicator', subscriber),
    };
  },
});

describe('startTestBus', () => {
  let t: TestBus | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  test('runs the given plugins with a probe; bus.plugin(name) reaches an instance', async () => {
    t = await startTestBus({ plugins: [echo], config: { plugins: { apps: { echo: { source: 'kit' } } } } });
    const i = createIndicator({ pattern: "[ipv4-addr:value = '192.0.2.9']", pattern_type: 'stix' });
    await t.probe.publish(i);
    await waitFor('the echoed sighting', () => t!.probe.sightings().length === 1);
    expect(t.probe.sightings()[0]).toMatchObject({ sighting_of_ref: i.id, x_threatbus_source: 'kit' });
    expect(t.probe.indicators()).toEqual([i]);
    expect(typeof t.plugin<{ start: unknown }>('echo').start).toBe('function');
    expect(t.bus.plugin('probe')).toBe(t.plugin('probe'));
    expect(() => t!.plugin('nope')).toThrow(expect.objectContaining({ code: ErrorCode.NOT_RUNNING }));
    expect(t.logger.has('info', 'Threat Bus ready')).toBe(true);
    // The probe subscribed to 'stix2', echo to indicators: indicators reach both, sightings the probe.
    const [probeSubscriber] = t.subscribersOf('stix2/sighting');
    expect(t.subscribersOf('stix2/sighting')).toHaveLength(1);
    expect(t.subscribersOf('stix2/indicator')).toHaveLength(2);
    expect(t.subscribersOf('stix2/indicator')).toContain(probeSubscriber);
  });

  test('takes a plain list of plugins; a bad section is a ConfigError naming the key', async () => {
    t = await startTestBus([echo]);
    await t.close();
    const error = await startTestBus({ plugins: [echo], config: { plugins: { apps: { echo: { source: 5, extra: 1 } } } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(isThreatBusError(error, ErrorCode.CONFIG_INVALID)).toBe(true);
    expect((error as ConfigError).message).toMatch(/plugins\.apps\.echo/);
  });

  test('the probe answers snapshots from its history', async () => {
    const old = createIndicator({ pattern: "[ipv4-addr:value = '192.0.2.10']", pattern_type: 'stix' });
    const asker = probeApp({ name: 'asker', topics: ['stix2/indicator'], snapshotSeconds: 60 });
    t = await startTestBus({ plugins: [asker.definition], probe: { history: [old] } });
    await waitFor('the snapshot reached the asker', () => asker.received.length > 0);
    expect(t.probe.snapshotRequests).toMatchObject([{ snapshot_type: 1, snapshot: 60 }]);
    expect(JSON.stringify(asker.received)).toContain(old.id);
  });
});

describe('kit helpers', () => {
  test('recordingLogger keeps records of children, with their names', () => {
    const log = recordingLogger();
    log.child('zmq').warn('port busy', { port: 1 });
    expect(log.records).toEqual([{ level: 'warn', logger: 'threatbus.zmq', message: 'port busy', meta: { port: 1 } }]);
    expect(log.has('warn', /busy/)).toBe(true);
    expect(log.messages('error')).toEqual([]);
  });

  test('waitFor names what did not happen', async () => {
    await expect(waitFor('the impossible', () => false, 50, 10)).rejects.toThrow('timed out waiting for the impossible');
  });

  test('freePort and isReachableSync', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(isReachableSync(port)).toBe(false);
  });

  test('ThreatBusError: code, retriable, cause', () => {
    const cause = new Error('ECONNREFUSED');
    const e = new ThreatBusError(ErrorCode.PEER_UNREACHABLE, 'cannot reach MISP at https://misp', { retriable: true, cause });
    expect(e).toBeInstanceOf(Error);
    expect([e.name, e.code, e.retriable, e.cause]).toEqual(['ThreatBusError', 'TB_PEER_UNREACHABLE', true, cause]);
    expect(isRetriable(e)).toBe(true);
    expect(isRetriable(cause)).toBe(false);
    expect(new ConfigError([{ path: 'a', message: 'b' }]).code).toBe('TB_CONFIG_INVALID');
  });
});

appContract(echo, () => ({ config: { source: 'contract' } }));
