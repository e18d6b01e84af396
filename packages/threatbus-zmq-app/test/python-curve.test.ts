/**
 * CURVE from Python (docs/security.md): a pyzmq app (Debian's python3-zmq)
 * with the documented four lines works both ways; an unknown key and a plain
 * app can neither subscribe nor publish, nor hear anything. Skipped with the
 * reason when /usr/bin/python3 cannot `import zmq` (tools/peers.ts).
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { curveKeyPair } from 'zeromq';
import type { Message } from 'threatbus';
import { metricValue, recordingLogger, startTestBus, waitFor } from 'threatbus/testing';
import type { TestBus } from 'threatbus/testing';
import zmqPlugin from '../src';
import { ThreatBusClient } from '../src/client/client';
import type { BoundPorts, ZmqApp } from '../src/plugin';
import { indicator } from './helpers';
import { needs, PYTHON_ZMQ } from '../../../tools/peers';

const { describe, beforeAll, afterAll } = needs(PYTHON_ZMQ);

const server = curveKeyPair();
const pyApp = curveKeyPair();
const tsApp = curveKeyPair();
const stranger = curveKeyPair();

type Line = Record<string, unknown> & { kind: string };

interface PythonApp {
  child: ChildProcessWithoutNullStreams;
  lines: Line[];
  exited: Promise<number | null>;
  stderr(): string;
}

function runPython(mode: 'authorized' | 'refused', ports: BoundPorts, keys: { publicKey: string; secretKey: string } | undefined): PythonApp {
  const args = [resolve(__dirname, 'python/curve_app.py'), mode, '127.0.0.1', String(ports.manage), String(ports.pub), String(ports.sub), server.publicKey, keys?.publicKey ?? '-', keys?.secretKey ?? '-'];
  const child = spawn('/usr/bin/python3', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines: Line[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => lines.push(JSON.parse(l) as Line));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, lines, exited, stderr: () => stderr };
}

describe('CURVE with a pyzmq app', () => {
  let tb: TestBus;
  let ports: BoundPorts;
  const running: PythonApp[] = [];
  const line = (app: PythonApp, kind: string) => app.lines.find((l) => l.kind === kind);
  const refused = async (reason: string) => (await metricValue(tb.bus.metrics, 'threatbus_zmq_curve_rejected_total', { plugin: 'zmq', reason })) ?? 0;
  const collect = (topic: string): Message[] => {
    const got: Message[] = [];
    tb.bus.subscribe(topic, { push: (m) => got.push(m) });
    return got;
  };

  beforeAll(async () => {
    tb = await startTestBus({
      config: { plugins: { apps: { zmq: { host: '127.0.0.1', manage: 0, pub: 0, sub: 0, curve: { secret_key: server.secretKey, authorized_keys: [pyApp.publicKey, tsApp.publicKey] } } } } },
      plugins: [zmqPlugin],
      probe: false,
      logger: recordingLogger(),
    });
    ports = tb.plugin<ZmqApp>('zmq').ports as BoundPorts;
  });
  afterAll(async () => {
    for (const p of running) if (p.child.exitCode === null) p.child.kill();
    await Promise.all(running.map((p) => p.exited));
    await tb?.close();
  });

  const withDiagnostics = async (app: PythonApp, body: () => Promise<void>) => {
    running.push(app);
    try {
      await body();
    } catch (e) {
      throw new Error(`${(e as Error).message}\npython stderr:\n${app.stderr()}\nlines:\n${app.lines.map((l) => JSON.stringify(l)).join('\n')}`);
    }
  };

  test('an authorized Python app subscribes, receives and publishes', async () => {
    const py = runPython('authorized', ports, pyApp);
    await withDiagnostics(py, async () => {
      const sightings = collect('stix2/sighting');
      await waitFor('the Python app subscribed', () => line(py, 'ready') !== undefined);
      const p2p = line(py, 'ready')!.p2p as string;
      await waitFor('its SUB socket', () => tb.plugin<ZmqApp>('zmq').registry!.get(p2p)?.join === 'joined');
      const sent = indicator(7);
      await tb.bus.publish(sent);
      await waitFor('the indicator in Python', () => line(py, 'received') !== undefined);
      expect(line(py, 'received')).toMatchObject({ topic: `${p2p}indicator`, id: sent.id });
      await waitFor('its sighting on the bus', () => sightings.length > 0);
      expect(sightings[0]).toMatchObject({ sighting_of_ref: sent.id, x_threatbus_source: 'python-curve' });
      py.child.stdin.write('stop\n');
      expect(await py.exited).toBe(0);
      expect(line(py, 'unsubscribe')!.reply).toEqual({ status: 'success' });
    });
  });

  // A plain app's three sockets: each refused once, as a mechanism mismatch or a hang-up (whichever side noticed first).
  const plainRefused = async () => (await refused('mechanism_mismatch')) + (await refused('handshake_failed'));
  for (const [name, keys, count] of [
    ['a Python app with an unknown key', stranger, () => refused('unknown_key')],
    ['a plain Python app (no CURVE)', undefined, plainRefused],
  ] as const) {
    test(`${name} cannot subscribe, hears nothing and cannot publish`, async () => {
      const before = await count();
      const py = runPython('refused', ports, keys);
      await withDiagnostics(py, async () => {
        const indicators = collect('stix2/indicator');
        await waitFor('the Python app listening and publishing', () => line(py, 'ready') !== undefined);
        expect(line(py, 'subscribe')!.reply).toBeNull();
        await waitFor('its sockets refused', async () => (await count()) >= before + 3);
        // An authorized app meanwhile gets what the bus publishes, and the bus gets what it sends.
        const client = new ThreatBusClient({ endpoint: `127.0.0.1:${ports.manage}`, requestTimeoutMs: 2000, curve: { server_key: server.publicKey, public_key: tsApp.publicKey, secret_key: tsApp.secretKey } });
        try {
          await client.start();
          const received = client.messages();
          await tb.bus.publish(indicator(8));
          await received.next();
          const own = indicator(9);
          await client.publishIndicator(own);
          await waitFor('the authorized indicator on the bus', () => indicators.some((m) => (m as { id: string }).id === own.id));
        } finally {
          await client.close();
        }
        py.child.stdin.write('stop\n');
        expect(await py.exited).toBe(0);
        const done = line(py, 'done')!;
        expect(done.received).toEqual([]);
        expect(indicators.map((m) => (m as { id: string }).id)).not.toContain(done.forged);
        if (keys) expect(tb.logger.records.some((r) => r.meta?.client === keys.publicKey && r.meta.address === '127.0.0.1')).toBe(true);
      });
    });
  }
});
