/**
 * CURVE on the zmq-app (docs/security.md) with real sockets: an authorized
 * client works both ways; an unknown key and a plain client get nothing and
 * cannot publish (refusals logged and counted); reloading authorized_keys_file
 * refuses a removed key; key files and config are checked.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { curveKeyPair, Publisher, Request, Subscriber } from 'zeromq';
import type { Message } from 'threatbus';
import { metricValue, recordingLogger, startTestBus, waitFor } from 'threatbus/testing';
import type { RecordingLogger, TestBus } from 'threatbus/testing';
import zmqPlugin from '../src';
import { ThreatBusClient } from '../src/client/client';
import type { BoundPorts, ZmqApp } from '../src/plugin';
import type { ClientCurveKeys } from '../src/curve/client';
import type { CurveConfig } from '../src/curve/config';
import { indicator, sighting } from './helpers';

const fast = { heartbeatIntervalMs: 200, requestTimeoutMs: 1000, retryDelayMs: 50, maxRetryDelayMs: 200 };
const server = curveKeyPair();
const alice = curveKeyPair();
const mallory = curveKeyPair();

const keysOf = (pair: { publicKey: string; secretKey: string }): ClientCurveKeys => ({ server_key: server.publicKey, public_key: pair.publicKey, secret_key: pair.secretKey });
const socketKeys = (pair: { publicKey: string; secretKey: string }) => ({ curveServerKey: server.publicKey, curvePublicKey: pair.publicKey, curveSecretKey: pair.secretKey });

interface CurveBus {
  tb: TestBus;
  app: ZmqApp;
  ports: BoundPorts;
  logger: RecordingLogger;
  close(): Promise<void>;
}

async function startCurveBus(curve: Partial<CurveConfig> | undefined, host = '127.0.0.1'): Promise<CurveBus> {
  const logger = recordingLogger();
  const tb = await startTestBus({
    config: { plugins: { apps: { zmq: { host, manage: 0, pub: 0, sub: 0, ...(curve ? { curve } : {}) } } } },
    plugins: [zmqPlugin],
    probe: false,
    logger,
  });
  const app = tb.plugin<ZmqApp>('zmq');
  return { tb, app, ports: app.ports as BoundPorts, logger, close: () => tb.close() };
}

/** One management request; the reply text, or undefined when none came within `timeoutMs` (refused). */
async function manage(port: number, keys: object, timeoutMs = 500): Promise<string | undefined> {
  const s = new Request({ ...keys, linger: 0, receiveTimeout: timeoutMs, sendTimeout: timeoutMs });
  try {
    s.connect(`tcp://127.0.0.1:${port}`);
    await s.send(JSON.stringify({ action: 'heartbeat', topic: 'x'.repeat(32) }));
    const [reply] = await s.receive();
    return reply.toString();
  } catch {
    return undefined;
  } finally {
    s.close();
  }
}

const refused = (t: CurveBus, reason: string) => metricValue(t.tb.bus.metrics, 'threatbus_zmq_curve_rejected_total', { plugin: 'zmq', reason });

/** Refusals of clients without CURVE (see watchHandshakes in src/curve/server.ts). */
const plainRefusals = async (t: CurveBus) => ((await refused(t, 'mechanism_mismatch')) ?? 0) + ((await refused(t, 'handshake_failed')) ?? 0);

function collect(t: CurveBus, topic: string): Message[] {
  const got: Message[] = [];
  t.tb.bus.subscribe(topic, { push: (m) => got.push(m) });
  return got;
}

describe('CURVE with authorized keys', () => {
  let t: CurveBus;
  const closers: (() => unknown)[] = [];
  beforeAll(async () => {
    t = await startCurveBus({ secret_key: server.secretKey, authorized_keys: [alice.publicKey] });
  });
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });
  afterAll(() => t.close());

  test('the start says CURVE is on and names the server public key, never the secret', () => {
    const line = t.logger.records.find((r) => r.message.startsWith('CURVE on'));
    expect(line?.meta).toMatchObject({ server_public: server.publicKey, authorized: 1 });
    expect(JSON.stringify(t.logger.records)).not.toContain(server.secretKey);
  });

  test('an authorized client subscribes, receives and publishes', async () => {
    const client = new ThreatBusClient({ endpoint: `127.0.0.1:${t.ports.manage}`, ...fast, curve: keysOf(alice) });
    closers.push(() => client.close());
    await client.start();
    const received = client.messages();
    const sent = indicator(1);
    await t.tb.bus.publish(sent);
    expect((await received.next()).value).toMatchObject({ type: 'indicator', id: sent.id });
    const sightings = collect(t, 'stix2/sighting');
    await client.publishSighting(sighting(sent));
    await waitFor('the sighting on the bus', () => sightings.length === 1);
  });

  test('an unknown key gets no reply, no messages, cannot publish; refused, logged with its key and address, counted', async () => {
    expect(await manage(t.ports.manage, socketKeys(mallory))).toBeUndefined();
    const spy = new Subscriber({ ...socketKeys(mallory), linger: 0 });
    spy.connect(`tcp://127.0.0.1:${t.ports.pub}`);
    spy.subscribe('');
    const forger = new Publisher({ ...socketKeys(mallory), linger: 0 });
    forger.connect(`tcp://127.0.0.1:${t.ports.sub}`);
    closers.push(() => spy.close(), () => forger.close());
    const spied: Buffer[] = [];
    void (async () => {
      try {
        for await (const [f] of spy) spied.push(f);
      } catch {
        /* closed */
      }
    })();
    await waitFor('the spy and the forger refused', async () => ((await refused(t, 'unknown_key')) ?? 0) >= 3);
    const forged = indicator(666);
    await forger.send(`stix2/indicator ${JSON.stringify(forged)}`);

    // Alice, authorized, gets what the bus publishes and the bus gets what she sends; the spy and the forger do not.
    const indicators = collect(t, 'stix2/indicator');
    const client = new ThreatBusClient({ endpoint: `127.0.0.1:${t.ports.manage}`, ...fast, curve: keysOf(alice) });
    closers.push(() => client.close());
    await client.start();
    const received = client.messages();
    const real = indicator(2);
    await t.tb.bus.publish(real);
    await received.next();
    const fromAlice = indicator(3);
    await client.publishIndicator(fromAlice);
    await waitFor("Alice's indicator on the bus", () => indicators.some((m) => (m as { id: string }).id === fromAlice.id));
    expect(spied).toEqual([]);
    expect(indicators.map((m) => (m as { id: string }).id)).not.toContain(forged.id);

    const line = t.logger.records.find((r) => r.meta?.reason === 'unknown_key');
    expect(line).toMatchObject({ level: 'warn', meta: { client: mallory.publicKey, address: '127.0.0.1' } });
    // Rate-limited: one line per key and minute, however often it knocks.
    expect(t.logger.records.filter((r) => r.meta?.client === mallory.publicKey).length).toBe(1);
  });

  test('a plain client (no CURVE) gets no reply and is counted as a failed handshake', async () => {
    const before = await plainRefusals(t);
    expect(await manage(t.ports.manage, {})).toBeUndefined();
    // Which side notices the mismatch first is a race: the bus sees a mechanism mismatch or the client hanging up.
    await waitFor('the refusal counted', async () => (await plainRefusals(t)) > before);
    expect(t.logger.records.some((r) => ['mechanism_mismatch', 'handshake_failed'].includes(r.meta?.reason as string) && r.meta?.socket === 'manage')).toBe(true);
  });

  test('the client library rejects keys that do not fit, naming the key but not its value', () => {
    expect(() => new ThreatBusClient({ endpoint: '127.0.0.1:1', curve: { ...keysOf(alice), secret_key: 'short' } })).toThrow('curve.secret_key must be a Z85 CURVE key');
    expect(() => new ThreatBusClient({ endpoint: '127.0.0.1:1', curve: { ...keysOf(alice), public_key: mallory.publicKey } })).toThrow('curve.public_key is not the public key of curve.secret_key');
  });
});

describe('CURVE key files and reload', () => {
  let dir: string;
  let t: CurveBus | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tb-curve-'));
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const file = (name: string, text: string, mode = 0o600): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    chmodSync(path, mode);
    return path;
  };

  test('a key removed from authorized_keys_file is refused after reload; a key added is let in', async () => {
    const keys = file('authorized', `# the VAST host\n${alice.publicKey}\n\n`);
    t = await startCurveBus({ secret_key_file: file('server.secret', `${server.secretKey}\n`), authorized_keys_file: keys });
    expect(await manage(t.ports.manage, socketKeys(alice))).toBe('{"status": "error"}');
    expect(await manage(t.ports.manage, socketKeys(mallory))).toBeUndefined();

    // Alice connected before the reload (no heartbeats during the test).
    const client = new ThreatBusClient({ endpoint: `127.0.0.1:${t.ports.manage}`, ...fast, heartbeatIntervalMs: 60_000, curve: keysOf(alice) });
    await client.start();
    const received = client.messages();

    writeFileSync(keys, `${mallory.publicKey} # replaced alice\n`);
    expect(t.app.curve!.reload()).toBe(1);
    expect(await manage(t.ports.manage, socketKeys(alice))).toBeUndefined();
    // Her established data connection stays (ZeroMQ authenticates at the handshake only; docs/security.md) ...
    const after = indicator(10);
    await t.tb.bus.publish(after);
    expect((await received.next()).value).toMatchObject({ id: after.id });
    // ... while every new management connection (each heartbeat opens one) is refused.
    expect(await client.close().then(() => manage(t!.ports.manage, socketKeys(alice)))).toBeUndefined();
    expect(await manage(t.ports.manage, socketKeys(mallory))).toBe('{"status": "error"}');
    expect(t.logger.records.some((r) => r.message.startsWith('Reloaded the authorized CURVE keys'))).toBe(true);

    // A broken file keeps the keys in force.
    writeFileSync(keys, 'not-a-key\n');
    expect(t.app.curve!.reload()).toBe(1);
    expect(t.logger.records.some((r) => r.level === 'error' && /Kept the previous 1 authorized keys: .*line 1: not a Z85/.test(r.message))).toBe(true);
    expect(await manage(t.ports.manage, socketKeys(mallory))).toBe('{"status": "error"}');
  });

  test('a group/world readable secret key file is a warning; without authorized keys any client key is let in, said at start', async () => {
    t = await startCurveBus({ secret_key_file: file('server.secret', `${server.secretKey}\n`, 0o644) });
    expect(t.logger.records.some((r) => r.level === 'warn' && /secret key file is not private: .* \(mode 0644\); run chmod 600/.test(r.message))).toBe(true);
    expect(t.logger.records.some((r) => r.level === 'warn' && r.message.startsWith('CURVE without client authentication'))).toBe(true);
    expect(await manage(t.ports.manage, socketKeys(mallory))).toBe('{"status": "error"}');
    expect(await manage(t.ports.manage, {})).toBeUndefined();
  });

  test('an authorized keys file others may write is a warning; one others may only read is fine', async () => {
    t = await startCurveBus({ secret_key: server.secretKey, authorized_keys_file: file('readable', `${alice.publicKey}\n`, 0o644) });
    expect(t.logger.records.some((r) => /authorized keys file is not protected/.test(r.message))).toBe(false);
    await t.close();
    t = await startCurveBus({ secret_key: server.secretKey, authorized_keys_file: file('writable', `${alice.publicKey}\n`, 0o666) });
    expect(t.logger.records.some((r) => r.level === 'warn' && /authorized keys file is not protected: .*writable by group or others \(mode 0666\)/.test(r.message))).toBe(true);
  });

  test('a pyzmq certificate is read as the secret key file', async () => {
    const cert = `#   ****  Generated by pyzmq  ****\ncurve\n    public-key = "${server.publicKey}"\n    secret-key = "${server.secretKey}"\n`;
    t = await startCurveBus({ secret_key_file: file('server.key_secret', cert), authorized_keys: [alice.publicKey] });
    expect(t.app.curve!.publicKey).toBe(server.publicKey);
  });

  test('an unreadable or bad key file is one clear start error', async () => {
    await expect(startCurveBus({ secret_key_file: join(dir, 'missing') })).rejects.toThrow(/cannot read the CURVE secret key file .*missing: ENOENT/);
    const bad = file('authorized', `${alice.publicKey}\nssh-ed25519 AAAA\n`);
    await expect(startCurveBus({ secret_key: server.secretKey, authorized_keys_file: bad })).rejects.toThrow(/authorized keys file .*authorized: line 2: not a Z85 CURVE key/);
  });

  test('the config needs exactly one server key and at most one source of client keys', async () => {
    await expect(startCurveBus({})).rejects.toThrow(/exactly one of secret_key and secret_key_file/);
    await expect(startCurveBus({ secret_key: server.secretKey, authorized_keys: [], authorized_keys_file: 'x' })).rejects.toThrow(/not both/);
    // A malformed secret is named, never echoed.
    await expect(startCurveBus({ secret_key: 'too short' })).rejects.toThrow(/curve\.secret_key: must match pattern .* \(value not shown: a secret\)/);
    // 40 characters of the alphabet, but more than 32 bytes ("%" is the 83rd character: 83 * 85^4 > 2^32).
    await expect(startCurveBus({ secret_key: server.secretKey, authorized_keys: ['%'.repeat(40)] })).rejects.toThrow(/curve\.authorized_keys\.0.*not a Z85-encoded 32-byte key/);
  });
});

describe('without CURVE', () => {
  test('endpoints bound beyond loopback are said to be unauthenticated, once; on loopback nothing is said', async () => {
    const open = await startCurveBus(undefined, '0.0.0.0');
    const local = await startCurveBus(undefined);
    try {
      expect(open.logger.records.filter((r) => /unauthenticated/.test(r.message))).toHaveLength(1);
      expect(local.logger.records.filter((r) => /unauthenticated/.test(r.message))).toHaveLength(0);
      expect(await manage(local.ports.manage, {})).toBe('{"status": "error"}');
    } finally {
      await open.close();
      await local.close();
    }
  });
});
