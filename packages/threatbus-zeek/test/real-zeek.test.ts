/**
 * The plugin against a real Zeek running zeek/threatbus.zeek, once per
 * cluster backend: Broker (what the script picks on a standalone Zeek when
 * nothing was chosen) and ZeroMQ (chosen by the user before the script is
 * loaded: the script must keep it). Runs only when THREATBUS_TEST_ZEEK names
 * a Zeek >= 7.2 binary; without it jest reports the tests as skipped with the
 * reason (tools/peers.ts; CI has no Zeek, so CI may skip them).
 *
 * Each Zeek runs in a temp dir of its own (intel.log, threatbus.log, ...),
 * removed afterwards.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createIndicator, silentLogger, startThreatBus } from 'threatbus';
import type { Indicator, Sighting, StartedBus } from 'threatbus';
import plugin from '../src';
import { freePort, probeApp, waitFor } from 'threatbus/testing';
import { needs, REAL_ZEEK } from '../../../tools/peers';

const ZEEK = process.env.THREATBUS_TEST_ZEEK ?? '';
const zeek = needs(REAL_ZEEK);

const domain = (value: string): Indicator => createIndicator({ pattern: `[domain-name:value = '${value}']`, pattern_type: 'stix' });

interface Backend {
  name: string;
  /** The cluster backend Zeek must report (`Cluster::backend`). */
  expect: string;
  /** Scripts to load before threatbus.zeek, written into the run's dir. */
  before: (dir: string) => string[];
}

const BACKENDS: Backend[] = [
  { name: 'Broker, chosen by the script', expect: 'Cluster::CLUSTER_BACKEND_BROKER', before: () => [] },
  {
    name: 'ZeroMQ, chosen by the user before the script',
    expect: 'Cluster::CLUSTER_BACKEND_ZEROMQ',
    before: (dir) => {
      // The proxy's sockets in this run's dir instead of the fixed ports 5555/5556.
      const endpoints = join(dir, 'zeromq-endpoints.zeek');
      const ipc = (n: string) => `"ipc://${join(dir, n)}"`;
      writeFileSync(endpoints, [
        `redef Cluster::Backend::ZeroMQ::listen_xpub_endpoint = ${ipc('xpub')};`,
        `redef Cluster::Backend::ZeroMQ::listen_xsub_endpoint = ${ipc('xsub')};`,
        `redef Cluster::Backend::ZeroMQ::connect_xsub_endpoint = ${ipc('xpub')};`,
        `redef Cluster::Backend::ZeroMQ::connect_xpub_endpoint = ${ipc('xsub')};`,
        '',
      ].join('\n'));
      return [resolve(__dirname, 'zeek/zeromq-standalone.zeek'), endpoints];
    },
  },
];

for (const backend of BACKENDS) {
  zeek.test(`a real Zeek (${backend.name}): intel in, one sighting per indicator sharing a value, REMOVE of one, logs in threatbus.log`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'threatbus-zeek-'));
    const port = await freePort();
    const script = resolve(__dirname, '../zeek/threatbus.zeek');
    const helper = resolve(__dirname, 'zeek/seen-on-insert.zeek');
    const stdout: string[] = [];
    const stderr: string[] = [];
    const proc = spawn(ZEEK, ['-b', ...backend.before(dir), script, helper, `Tenzir::listen_port=${port}/tcp`], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout?.on('data', (d) => stdout.push(String(d)));
    proc.stderr?.on('data', (d) => stderr.push(String(d)));
    let running = true;
    const exited = new Promise<void>((r) => {
      const done = () => {
        running = false;
        r();
      };
      proc.once('exit', done);
      proc.once('error', (e) => {
        stderr.push(`cannot run ${ZEEK}: ${e.message}`);
        done();
      });
    });
    const stopZeek = async () => {
      if (running) proc.kill('SIGTERM');
      await exited;
    };
    const output = () => `Zeek stdout: ${stdout.join('')} stderr: ${stderr.join('')}`;
    const probe = probeApp({ topics: ['stix2/sighting'] });
    const refs = (ids: string[], from: number): string[] =>
      (probe.sightings().slice(from) as Sighting[]).map((s) => s.sighting_of_ref).filter((r) => ids.includes(r)).sort();
    let bus: StartedBus | undefined;
    try {
      bus = await startThreatBus({
        config: { plugins: { apps: { probe: {}, zeek: { endpoints: [{ url: `ws://127.0.0.1:${port}/v1/messages/json` }], reconnect: { initial_delay: 0.1, max_delay: 0.5 } } } } },
        plugins: [probe.definition, plugin],
        searchRoots: false,
        logger: silentLogger(),
      });
      const first = domain('threatbus-test.example');
      // Zeek takes a moment to listen; publish until it is connected (the plugin reconnects meanwhile).
      let last = 0;
      await waitFor(`a sighting from Zeek (${output()})`, () => {
        if (!running) throw new Error(`Zeek exited before it sent a sighting (${output()})`);
        if (Date.now() - last > 1000) {
          last = Date.now();
          void probe.publish(first);
        }
        return probe.sightings().length > 0;
      }, 20_000);
      const sighting = probe.sightings()[0] as Sighting;
      expect(sighting.sighting_of_ref).toBe(first.id);
      expect(sighting.x_threatbus_sighting_context).toEqual({ noisy: false });
      expect(stdout.join('')).toContain(`cluster backend: ${backend.expect}`);

      // Two indicators with one value: each ADD is seen, the second match reports both.
      const [a, b, sentinel] = [domain('dup.example'), domain('DUP.example'), domain('sentinel.example')];
      const ids = [a.id, b.id, sentinel.id];
      let mark = probe.sightings().length;
      await probe.publish(a);
      await waitFor(`a sighting of A (${output()})`, () => refs(ids, mark).includes(a.id));
      mark = probe.sightings().length;
      await probe.publish(b);
      await waitFor(`sightings of A and B (${output()})`, () => refs(ids, mark).includes(a.id) && refs(ids, mark).includes(b.id));
      expect(refs(ids, mark)).toEqual([a.id, b.id].sort());

      // REMOVE of A, then seeing the value again: B only. The sentinel's sighting comes after, in order.
      mark = probe.sightings().length;
      await probe.publish({ ...a, x_threatbus_update: 'REMOVE' } as Indicator);
      await probe.publish(sentinel);
      await waitFor(`the sentinel's sighting (${output()})`, () => refs(ids, mark).includes(sentinel.id));
      expect(refs(ids, mark)).toEqual([b.id, sentinel.id].sort());
      await bus.close();
      bus = undefined;
      await stopZeek();

      // Operations go to threatbus.log (written out by the time Zeek exits), not to the console.
      expect(stderr.join('')).not.toMatch(/Threat Bus: .*ADD/);
      const log = join(dir, 'threatbus.log');
      expect(existsSync(log)).toBe(true);
      const text = readFileSync(log, 'utf8');
      for (const action of ['ADD', 'REMOVE', 'match', 'listen']) expect(text).toMatch(new RegExp(`\\t${action}\\t`));
    } finally {
      await bus?.close();
      await stopZeek();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
}
