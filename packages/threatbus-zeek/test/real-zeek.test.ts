/**
 * The plugin against a real Zeek running zeek/threatbus.zeek. Runs only when
 * THREATBUS_TEST_ZEEK names a Zeek >= 7.2 binary; without it jest reports the
 * test as skipped with the reason (tools/peers.ts; CI has no Zeek, so CI may skip it).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createIndicator, silentLogger, startThreatBus } from 'threatbus';
import type { Sighting } from 'threatbus';
import plugin from '../src';
import { probeApp, waitFor } from './support/helpers';
import { needs, REAL_ZEEK } from '../../../tools/peers';

const ZEEK = process.env.THREATBUS_TEST_ZEEK ?? '';
const zeekTest = needs(REAL_ZEEK).test;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

zeekTest('intel reaches a real Zeek and its match comes back as a sighting', async () => {
  const port = await freePort();
  const script = resolve(__dirname, '../zeek/threatbus.zeek');
  const helper = resolve(__dirname, 'zeek/seen-on-insert.zeek');
  const output: string[] = [];
  const zeek: ChildProcess = spawn(ZEEK, ['-b', script, helper, `Tenzir::listen_port=${port}/tcp`], { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
  zeek.stdout?.on('data', (d) => output.push(String(d)));
  zeek.stderr?.on('data', (d) => output.push(String(d)));
  const exited = new Promise<void>((r) => zeek.once('exit', () => r()));
  const probe = probeApp();
  const bus = await startThreatBus({
    config: { plugins: { apps: { probe: {}, zeek: { endpoints: [{ url: `ws://127.0.0.1:${port}/v1/messages/json` }], reconnect: { initial_delay: 0.1, max_delay: 0.5 } } } } },
    plugins: [probe.definition, plugin],
    searchRoots: false,
    logger: silentLogger(),
  });
  try {
    const indicator = createIndicator({ pattern: "[domain-name:value = 'threatbus-test.example']", pattern_type: 'stix' });
    // Zeek takes a moment to listen; publish until it is connected (the plugin reconnects meanwhile).
    let last = 0;
    await waitFor(`a sighting from Zeek (Zeek output: ${output.join('')})`, () => {
      if (Date.now() - last > 1000) {
        last = Date.now();
        void probe.publish(indicator);
      }
      return probe.sightings.length > 0;
    }, 20_000);
    const sighting = probe.sightings[0] as Sighting;
    expect(sighting.sighting_of_ref).toBe(indicator.id);
    expect(sighting.x_threatbus_sighting_context).toEqual({ noisy: false });
  } finally {
    await bus.close();
    zeek.kill('SIGTERM');
    await exited;
  }
}, 30_000);
