/**
 * Every expected failure of `threatbus` is ONE clear line naming the key,
 * file, environment variable or address, without a stack trace; a stack
 * trace only for a bug or with --log-level debug (docs/configuration.md,
 * "When the bus cannot start"). Runs the real CLI as a child process.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { CLI, cleanEnv } from './cli-process';
import { makeProject } from './fixtures';

const project = makeProject([
  { packageName: 'threatbus-buggy', kind: 'app', name: 'buggy', code: "module.exports.default = { kind: 'app', name: 'buggy', create: () => ({ start: async () => { null.start(); }, stop: async () => {} }) };" },
  { packageName: 'threatbus-picky', kind: 'app', name: 'picky', code: "module.exports.default = { kind: 'app', name: 'picky', validate: (c) => c.mode === 'ok' ? [] : [{ path: 'mode', message: 'must be ok, this plugin is picky' }], create: () => ({ start: async () => {}, stop: async () => {} }) };" },
]);
// The core's workspace node_modules (zmq-app, rabbitmq plugins) are found from the CLI's own location.
let taken: Server;
let takenPort = 0;
let closedPort = 0;

beforeAll(async () => {
  chmodSync(project.dir, 0o755);
  taken = createServer();
  await new Promise<void>((res) => taken.listen(0, '127.0.0.1', res));
  takenPort = (taken.address() as { port: number }).port;
  const probe = createServer();
  await new Promise<void>((res) => probe.listen(0, '127.0.0.1', res));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise((res) => probe.close(res));
});
afterAll(async () => {
  await new Promise((res) => taken.close(res));
  project.cleanup();
});

interface Case {
  name: string;
  /** Config file text (config.yaml), or a function preparing the project and returning the -c argument. */
  config: string | (() => string);
  env?: Record<string, string>;
  args?: string[];
  /** The one line expected (regular expression over stderr). */
  line: RegExp;
  /** Text that must appear exactly once (not reported twice). */
  once?: string;
  stack?: boolean;
  /** Run the CLI as another user (root reads any file, so an unreadable file needs one). */
  asNobody?: boolean;
}

const file = (name: string, text: string) => () => {
  writeFileSync(join(project.dir, name), text);
  return name;
};

const cases: Case[] = [
  {
    name: 'config path is a directory',
    config: () => (mkdirSync(join(project.dir, 'dir.yaml'), { recursive: true }), 'dir.yaml'),
    line: /^Invalid config: configuration file \S+dir\.yaml is a directory, not a YAML file$/m,
  },
  {
    name: 'unreadable config file',
    config: () => (file('secret.yaml', 'plugins: {apps: {}}\n')(), chmodSync(join(project.dir, 'secret.yaml'), 0o000), 'secret.yaml'),
    asNobody: process.getuid?.() === 0,
    line: /^Invalid config: cannot read configuration file \S+secret\.yaml: permission denied$/m,
  },
  { name: 'YAML syntax error', config: 'plugins:\n  apps: [unclosed\n', line: /^Invalid config: not valid YAML: .*\([\w-]+\.yaml\)$/m },
  {
    name: 'YAML alias bomb',
    config: `a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\nplugins: {apps: {}}\n`,
    line: /^Invalid config: refused: its aliases \(\*name\) expand too much .*at most 100 alias expansions are allowed \([\w-]+\.yaml\)$/m,
  },
  { name: 'plugins of the wrong type', config: 'plugins: "zmq"\n', line: /^Invalid config: plugins: must be object, got "zmq" \([\w-]+\.yaml\)$/m },
  {
    name: 'bad @json in an environment variable',
    config: 'plugins: {apps: {}}\n',
    env: { THREATBUS_PLUGINS__APPS__ZMQ__HOST: '@json {bad' },
    line: /^Invalid config: plugins\.apps\.zmq\.host: @json needs valid JSON: .* \(env THREATBUS_PLUGINS__APPS__ZMQ__HOST\)$/m,
  },
  {
    name: '@int with a non-number, reported once',
    config: 'plugins: {apps: {}}\n',
    env: { THREATBUS_PLUGINS__APPS__ZMQ__MANAGE: '@int abc' },
    line: /^Invalid config: plugins\.apps\.zmq\.manage: @int needs an integer, got "abc" \(env THREATBUS_PLUGINS__APPS__ZMQ__MANAGE\)$/m,
    once: 'plugins.apps.zmq.manage',
  },
  {
    name: 'empty rabbitmq section says what is missing',
    config: 'plugins:\n  backbones:\n    rabbitmq: {}\n  apps: {}\n',
    line: /^ {2}plugins\.backbones\.rabbitmq\.host: is required \(unless url is given\) \([\w-]+\.yaml\)$/m,
  },
  { name: "a plugin's own validate() problem", config: 'plugins:\n  apps:\n    picky: {mode: bad}\n', line: /^Invalid config: plugins\.apps\.picky\.mode: must be ok, this plugin is picky \([\w-]+\.yaml\)$/m },
  {
    name: 'zmq port in use',
    config: () => file('zmq-busy.yaml', `plugins:\n  apps:\n    zmq: {host: 127.0.0.1, manage: ${takenPort}, pub: 0, sub: 0}\n`)(),
    line: /^threatbus: cannot start: ZeroMQ app plugin cannot bind on 127\.0\.0\.1 \(manage \d+, .*\): Address already in use$/m,
  },
  {
    name: 'metrics port in use',
    config: () => file('metrics-busy.yaml', `metrics: {enabled: true, port: ${takenPort}}\nplugins: {apps: {}}\n`)(),
    line: /^threatbus: cannot start: metrics endpoint cannot listen on 127\.0\.0\.1:PORT: the port is in use \(config: metrics\.host, metrics\.port\)/m,
  },
  {
    name: 'unbindable address',
    config: 'plugins:\n  apps:\n    zmq: {host: 192.0.2.1, manage: 0, pub: 0, sub: 0}\n',
    line: /^threatbus: cannot start: ZeroMQ app plugin cannot bind on 192\.0\.2\.1 .*: Cannot assign requested address$/m,
  },
  {
    name: 'unreachable peer',
    config: () => file('rabbit-down.yaml', `plugins:\n  backbones:\n    rabbitmq: {host: 127.0.0.1, port: ${closedPort}, username: guest, password: guest}\n  apps: {}\n`)(),
    // The plugin's own words (they changed over time); what counts: the address, the refusal, one line.
    line: /^threatbus: cannot start: .*RabbitMQ at \S*127\.0\.0\.1:CLOSED\b.*(refused|ECONNREFUSED).*$/m,
  },
  { name: 'a bug in a plugin gets its stack trace', config: 'plugins:\n  apps:\n    buggy: {}\n', line: /^threatbus: unexpected error \(a bug, please report it\): Cannot read properties of null/m, stack: true },
  { name: '--log-level debug shows the stack of an expected failure', config: 'plugins: "zmq"\n', args: ['--log-level', 'debug'], line: /^Invalid config: plugins: must be object/m, stack: true },
];

/** Run the CLI to its end (async, so that the cases run side by side). */
function runCli(args: string[], c: Case): Promise<{ status: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: project.dir,
    env: { ...cleanEnv, ...c.env },
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(c.asNobody ? { uid: 65534, gid: 65534 } : {}),
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // A case that did not fail would run on: stop it so that the assertion shows what it logged.
  const stop = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((res) => child.on('close', (status) => (clearTimeout(stop), res({ status, stderr }))));
}

test.concurrent.each(cases)('$name: one clear line', async (c) => {
  const configArg = typeof c.config === 'string' ? file(`case-${c.name.replace(/\W+/g, '-')}.yaml`, c.config)() : c.config();
  const run = await runCli(['-c', configArg, ...(c.args ?? [])], c);
  const line = new RegExp(c.line.source.replace('PORT', String(takenPort)).replace('CLOSED', String(closedPort)), c.line.flags);
  expect(run).toEqual({ status: 1, stderr: expect.stringMatching(line) });
  // A stack trace has "    at " frames.
  expect(/\n\s+at /.test(run.stderr)).toBe(Boolean(c.stack));
  expect(run.stderr).not.toMatch(/must match "then" schema|got null/);
  if (c.once) expect(run.stderr.split(c.once).length - 1).toBe(1);
  // --check reports configuration problems the same way.
  if (c.line.source.startsWith('^Invalid config') && !c.args) {
    const check = await runCli(['--check', '-c', configArg], c);
    expect(check.status).toBe(1);
    expect(check.stderr).toMatch(line);
  }
});
