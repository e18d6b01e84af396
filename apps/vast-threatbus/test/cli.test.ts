/** The `vast-threatbus` executable as a child process, with a real bus and the fake vast on PATH. */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeVast, TestBus, indicator, waitFor } from './harness';

const CLI = join(__dirname, '..', 'dist', 'cli.js');

let vast: FakeVast;
let bus: TestBus | undefined;
let child: ChildProcess | undefined;

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -b apps/vast-threatbus)`);
});

beforeEach(() => {
  vast = new FakeVast();
});

afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child?.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
  child = undefined;
  await bus?.close();
  bus = undefined;
  vast.uninstall();
});

test('--help lists every option of the original', () => {
  const r = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  for (const flag of ['--config', '--vast', '--vast-binary', '--threatbus', '--snapshot', '--live-match', '--matcher-name', '--retro-match', '--retro-match-max-events', '--retro-match-timeout', '--max-background-tasks', '--metrics-interval', '--metrics-filename', '--transform-context', '--sink', '--loglevel', '--backend']) {
    expect(r.stdout).toContain(flag);
  }
});

test('--version prints the package version, -h the help', () => {
  const version = spawnSync(process.execPath, [CLI, '--version'], { encoding: 'utf8' });
  expect(version.status).toBe(0);
  expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version);
  const help = spawnSync(process.execPath, [CLI, '-h'], { encoding: 'utf8' });
  expect(help.status).toBe(0);
  expect(help.stdout).toContain('--vast-binary');
  expect(help.stderr).toBe('');
});

test('a missing vast binary: one line naming vast_binary and where it looked, exit 1, nothing retried', () => {
  const file = join(vast.dir, 'v.yaml');
  writeFileSync(file, 'snapshot: 0\n');
  const onPath = spawnSync(process.execPath, [CLI, '-c', file], { encoding: 'utf8', cwd: vast.dir, env: { ...process.env, PATH: vast.dir }, timeout: 10_000 });
  expect(onPath.status).toBe(1);
  expect(onPath.stderr).toBe(`vast-threatbus: the VAST executable 'vast' (vast_binary, --vast-binary) was not found (searched PATH=${vast.dir}); install VAST or set vast_binary to its path\n`);
  const byPath = spawnSync(process.execPath, [CLI, '-c', file, '--backend', 'tenzir', '--vast-binary', 'opt/tenzir'], { encoding: 'utf8', cwd: vast.dir, timeout: 10_000 });
  expect(byPath.status).toBe(1);
  expect(byPath.stderr).toBe(`vast-threatbus: the Tenzir executable 'opt/tenzir' (vast_binary, --vast-binary) was not found (searched ${join(vast.dir, 'opt/tenzir')}); install Tenzir or set vast_binary to its path\n`);
});

test('an invalid config exits 1 with "Invalid config: …"', () => {
  const file = join(vast.dir, 'bad.yaml');
  writeFileSync(file, 'snapshot: lots\n');
  const r = spawnSync(process.execPath, [CLI, '-c', file], { encoding: 'utf8', cwd: vast.dir });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/^Invalid config: snapshot: must be integer, got "lots"/);
  const txt = spawnSync(process.execPath, [CLI, '-c', 'conf.txt'], { encoding: 'utf8', cwd: vast.dir });
  expect(txt.status).toBe(1);
  expect(txt.stderr).toContain('Please provide a `yaml` or `yml` configuration file.');
});

test('runs against a real bus: sink STDOUT prints contexts, SIGTERM stops it cleanly', async () => {
  bus = await TestBus.start();
  vast.setResults({ '6.6.6.6': [{ ts: '2021-05-04T15:15:58.919', 'id.resp_h': '6.6.6.6' }] });
  const file = join(vast.dir, 'vast.yaml');
  writeFileSync(file, `threatbus: ${bus.endpoint}\nsnapshot: 0\nmetrics:\n  interval: 0\n`);
  child = spawn(process.execPath, [CLI, '-c', file, '--sink', 'stdout'], { cwd: vast.dir, env: { ...process.env, ...vast.env } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  await waitFor('connected', () => /Connected VAST/.test(stderr), 15_000);
  expect(stderr).toMatch(/INFO +\[vast-threatbus\] Subscription successful\. New p2p_topic: [a-z]{32}/);
  expect(stderr).toMatch(/INFO +\[vast-threatbus\] Connected VAST at localhost:42000 \(vast\) to Threat Bus at 127\.0\.0\.1:\d+: retro matching/);
  // Quiet by default: nothing at DEBUG, no per-message lines.
  expect(stderr).not.toMatch(/DEBUG/);
  await bus.publish(indicator("[ipv4-addr:value = '6.6.6.6']"));
  await waitFor('stdout line', () => stdout.includes('\n'), 10_000);
  expect(stdout).toBe('{"ts": "2021-05-04T15:15:58.919", "id.resp_h": "6.6.6.6"}\n');
  const exit = new Promise<number | null>((r) => child?.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  expect(await exit).toBe(0);
  expect(vast.callsOf('status')).toHaveLength(1);
});
