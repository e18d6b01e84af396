/**
 * The packages as a user gets them: `npm pack` every workspace, check what the
 * tarballs hold, install them into an empty project (optional dependencies
 * omitted, no node-rdkafka) and run the installed `threatbus`: `--check`, a
 * Kafka config without node-rdkafka, and a MISP → bus → app round trip (a MISP
 * ZeroMQ publisher played by this test, the zmq-app, a subscriber using the
 * installed client library).
 *
 * Packs with --ignore-scripts: `npm test` has just built dist/ (the packages'
 * prepack runs `tsc -b` for a real publish; running it here would race other
 * builds of the shared dist/). Dependencies come from the npm registry (the
 * local cache first); without the registry jest reports the tests as skipped.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import * as zmq from 'zeromq';
import { needs, NPM_REGISTRY } from '../peers';
import { waitFor } from 'threatbus/testing';
import { freePorts, startProcess } from '../processes';
import type { Running } from '../processes';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const { describe, beforeAll, afterAll, test } = needs(NPM_REGISTRY);

interface PackResult {
  name: string;
  filename: string;
  files: { path: string }[];
}

/** Installed into the empty project: everything but threatbus-store (better-sqlite3 compiles when no prebuilt binary fits). */
const INSTALLED = ['threatbus', 'threatbus-misp', 'threatbus-zmq-app', 'threatbus-zeek', 'threatbus-rabbitmq', 'threatbus-opencti', 'vast-threatbus'];

let work: string;
let project: string;
let packed: PackResult[] = [];
const running: Running[] = [];

describe('npm pack → npm install → threatbus', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'threatbus-packaging-'));
    const tarballs = join(work, 'tarballs');
    const unpacked = join(work, 'unpacked');
    project = join(work, 'project');
    for (const d of [tarballs, unpacked, project]) mkdirSync(d);
    const { stdout } = await run('npm', ['pack', '--workspaces', '--ignore-scripts', '--json', '--pack-destination', tarballs], { cwd: ROOT, maxBuffer: 64 << 20 });
    packed = JSON.parse(stdout) as PackResult[];
    for (const p of packed) {
      const into = join(unpacked, p.name);
      mkdirSync(into);
      await run('tar', ['-xzf', join(tarballs, p.filename), '-C', into]);
    }
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'threatbus-packaging-test', private: true }));
    const wanted = packed.filter((p) => INSTALLED.includes(p.name)).map((p) => join(tarballs, p.filename));
    await run('npm', ['install', '--omit=optional', '--prefer-offline', '--no-audit', '--no-fund', '--no-save', ...wanted], { cwd: project, maxBuffer: 64 << 20 });
  }, 180_000);

  afterAll(async () => {
    for (const r of running.splice(0)) await r.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('every package is packed with its LICENSE, README and dist, without build leftovers', () => {
    expect(packed.map((p) => p.name).sort()).toEqual(
      ['threatbus', 'threatbus-misp', 'threatbus-opencti', 'threatbus-rabbitmq', 'threatbus-store', 'threatbus-zeek', 'threatbus-zmq-app', 'vast-threatbus'],
    );
    for (const p of packed) {
      const files = p.files.map((f) => f.path);
      expect({ name: p.name, license: files.includes('LICENSE') }).toEqual({ name: p.name, license: true });
      expect(files.filter((f) => /(^|\/)\.tsbuildinfo$|(^|\/)test\/|\.test\.|\.tgz$/.test(f))).toEqual([]);
      expect(files.some((f) => f.startsWith('dist/') && f.endsWith('.js'))).toBe(true);
    }
  });

  test('every source map and declaration map points to files in the same tarball', () => {
    const broken: string[] = [];
    for (const p of packed) {
      const base = join(work, 'unpacked', p.name, 'package');
      const files = new Set(p.files.map((f) => f.path));
      for (const file of files) {
        if (file.endsWith('.js') || file.endsWith('.d.ts')) {
          const ref = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(base, file), 'utf8'))?.[1];
          if (ref && !files.has(posix.join(posix.dirname(file), ref))) broken.push(`${p.name}/${file} → ${ref}`);
        }
        if (!file.endsWith('.map')) continue;
        const map = JSON.parse(readFileSync(join(base, file), 'utf8')) as { sources: string[]; sourceRoot?: string };
        for (const s of map.sources) {
          const target = posix.normalize(posix.join(posix.dirname(file), map.sourceRoot ?? '', s));
          if (!files.has(target)) broken.push(`${p.name}/${file} → ${s}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  // A fresh dist: files of deleted sources must not ride along in a tarball.
  const PREPACK = `node -e "require('fs').rmSync('dist', { recursive: true, force: true })" && tsc -b`;
  test('the packages declare prepack, the core as a peer, and the core range in the plugin manifest', () => {
    for (const p of packed) {
      const pkg = JSON.parse(readFileSync(join(work, 'unpacked', p.name, 'package', 'package.json'), 'utf8')) as {
        scripts?: Record<string, string>;
        threatbus?: { core?: string };
        dependencies?: Record<string, string>;
        peerDependencies?: Record<string, string>;
        optionalDependencies?: Record<string, string>;
      };
      expect({ name: p.name, prepack: pkg.scripts?.prepack }).toEqual({ name: p.name, prepack: PREPACK });
      if (pkg.threatbus) {
        expect({ name: p.name, core: pkg.threatbus.core, peer: pkg.peerDependencies?.threatbus, dep: pkg.dependencies?.threatbus }).toEqual({ name: p.name, core: '^0.1.0', peer: '^0.1.0', dep: undefined });
      }
      expect(pkg.dependencies?.['node-rdkafka'] ?? pkg.optionalDependencies?.['node-rdkafka']).toBeUndefined();
    }
  });

  test('the install needs no node-rdkafka, and the Zeek script resolves through the exports', async () => {
    expect(existsSync(join(project, 'node_modules', 'node-rdkafka'))).toBe(false);
    // One core: no plugin got its own nested copy.
    const nested = INSTALLED.filter((n) => existsSync(join(project, 'node_modules', n, 'node_modules', 'threatbus')));
    expect(nested).toEqual([]);
    const { stdout } = await run(process.execPath, ['-p', "require.resolve('threatbus-zeek/zeek/threatbus.zeek')"], { cwd: project });
    expect(stdout.trim()).toBe(join(project, 'node_modules', 'threatbus-zeek', 'zeek', 'threatbus.zeek'));
  });

  test('npx threatbus-zmq-app keygen writes a CURVE key pair (secret 0600) that the installed client library accepts', async () => {
    const prefix = join(project, 'app-key');
    const { stdout } = await run(join(project, 'node_modules', '.bin', 'threatbus-zmq-app'), ['keygen', '--out', prefix], { cwd: project });
    const publicKey = readFileSync(`${prefix}.public`, 'utf8').trim();
    expect(stdout).toContain(`public key: ${publicKey}`);
    expect(statSync(`${prefix}.secret`).mode & 0o777).toBe(0o600);
    const script = `const c=require('threatbus-zmq-app/client');const s=require('fs').readFileSync(${JSON.stringify(`${prefix}.secret`)},'utf8').split('\\n').find(l=>l&&!l.startsWith('#'));` +
      `c.curveClientSocketOptions({server_key:${JSON.stringify(publicKey)},public_key:${JSON.stringify(publicKey)},secret_key:s});console.log('ok')`;
    expect((await run(process.execPath, ['-e', script], { cwd: project })).stdout.trim()).toBe('ok');
  });

  test('the installed threatbus --check finds the plugins; a Kafka config names the missing node-rdkafka, at --check and at start, once', async () => {
    const [manage, pub, sub, misp] = await freePorts(4);
    const ok = join(project, 'ok.yaml');
    writeFileSync(ok, config({ manage, pub, sub, misp }));
    const check = await run(join(project, 'node_modules', '.bin', 'threatbus'), ['--check', '-c', ok], { cwd: project });
    expect(check.stdout).toMatch(/app +misp +threatbus-misp@0\.1\.0/);
    expect(check.stdout).toMatch(/app +zmq +threatbus-zmq-app@0\.1\.0/);

    const kafka = join(project, 'kafka.yaml');
    writeFileSync(kafka, 'plugins:\n  apps:\n    misp:\n      kafka:\n        topics: [misp_attribute]\n        config: { bootstrap.servers: "127.0.0.1:9", group.id: tb }\n');
    for (const args of [['--check', '-c', kafka], ['-c', kafka]]) {
      const failed = await run(join(project, 'node_modules', '.bin', 'threatbus'), args, { cwd: project }).then(
        () => undefined,
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
      expect(failed?.code).toBe(1);
      const text = `${failed?.stdout}${failed?.stderr}`;
      expect(text.match(/npm install node-rdkafka/g)).toHaveLength(1);
      expect(text).toContain("plugins.apps.misp.kafka: MISP attribute export is configured via Apache Kafka");
      expect(text).not.toMatch(/\n\s+at /);
    }
  });

  test('MISP → bus → app from the installed packages', async () => {
    const [manage, pub, sub, misp] = await freePorts(4);
    const file = join(project, 'round-trip.yaml');
    writeFileSync(file, config({ manage, pub, sub, misp }));
    const publisher = new zmq.Publisher();
    await publisher.bind(`tcp://127.0.0.1:${misp}`);
    try {
      const bus = startProcess(join(project, 'node_modules', '.bin', 'threatbus'), ['-c', file], project);
      running.push(bus);
      await waitFor(`the installed bus to be ready (output: ${bus.output()})`, () => bus.output().includes('Threat Bus ready'), 20_000);

      const subscriberScript = join(project, 'subscriber.js');
      writeFileSync(subscriberScript, SUBSCRIBER);
      const app = startProcess(process.execPath, [subscriberScript, `127.0.0.1:${manage}`], project);
      running.push(app);
      await waitFor(`the app to subscribe (output: ${app.output()})`, () => app.output().includes('subscribed'), 20_000);

      // The bus's SUB socket joins the test's PUB asynchronously (ZeroMQ's slow joiner): publish until one arrives.
      const frame = `misp_json_attribute ${JSON.stringify(mispAttribute('packaged.example'))}`;
      await waitFor(`the MISP attribute at the app (app: ${app.output()}; bus: ${bus.output()})`, async () => {
        await publisher.send(frame);
        return app.output().includes("[domain-name:value = 'packaged.example']");
      }, 20_000, 200);
      await app.stop();
      expect(await bus.stop()).toBe(0);
    } finally {
      publisher.close();
    }
  });
});

function config(p: { manage: number; pub: number; sub: number; misp: number }): string {
  return [
    'logging:',
    '  console_verbosity: INFO',
    'plugins:',
    '  apps:',
    '    zmq:',
    `      host: "127.0.0.1"`,
    `      manage: ${p.manage}`,
    `      pub: ${p.pub}`,
    `      sub: ${p.sub}`,
    '    misp:',
    '      zmq:',
    '        host: 127.0.0.1',
    `        port: ${p.misp}`,
    '',
  ].join('\n');
}

/** A subscriber app on the installed client library: prints every indicator's pattern. */
const SUBSCRIBER = `'use strict';
const { ThreatBusClient } = require('threatbus-zmq-app/client');
const client = new ThreatBusClient({ endpoint: process.argv[2], topics: 'stix2/indicator' });
client.on('subscribed', () => console.log('subscribed'));
process.once('SIGTERM', () => void client.close());
(async () => {
  await client.start();
  for await (const m of client) if (m.type === 'indicator') console.log('indicator ' + m.pattern);
})().catch((e) => { console.error(e); process.exit(1); });
`;

/** MISP's ZeroMQ attribute notification (spec/misp.md §4.1), as MISP publishes it. */
function mispAttribute(value: string) {
  return {
    Attribute: {
      id: '15', event_id: '1', object_id: '0', object_relation: null, category: 'Network activity', type: 'domain',
      value1: value, value2: '', to_ids: true, uuid: '5e1ee79d-6e1c-4f4c-a3c8-0291c0a82f06', timestamp: '1614599635',
      distribution: '5', sharing_group_id: '0', comment: '', deleted: false, disable_correlation: false, value, Sighting: [], Tag: [],
    },
    Event: { id: '1', date: '2021-03-01', info: 'packaging test', uuid: '5e1ee79d-25c8-42bd-a386-0291c0a82f06', published: false, analysis: '0', threat_level_id: '1', org_id: '1', orgc_id: '1', distribution: '3', sharing_group_id: '0' },
    action: 'add',
  };
}
