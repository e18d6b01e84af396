/**
 * How the `threatbus` process lives and dies: it runs until told to stop,
 * always writes its last lines, stops when its parent is gone, and survives
 * a stray rejected promise (docs/deployment.md).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '../src/testing/wait';
import { CLI, startCli, startProcess } from './cli-process';
import { makeProject } from './fixtures';

const EMPTY_CONFIG = 'plugins:\n  apps: {}\n';

function projectWithConfig(config: string, plugins: Parameters<typeof makeProject>[0] = []) {
  const project = makeProject(plugins);
  writeFileSync(join(project.dir, 'config.yaml'), config);
  return project;
}

test('with nothing configured that holds a socket, the bus keeps running until SIGTERM', async () => {
  const project = projectWithConfig(EMPTY_CONFIG);
  try {
    const bus = startCli(['-c', 'config.yaml'], project.dir);
    await bus.waitForLog('Threat Bus ready');
    // Nothing to wait for: this checks that nothing happens (before the fix it exited 0 at once).
    await sleep(1500);
    expect(bus.child.exitCode).toBeNull();
    bus.child.kill('SIGTERM');
    expect(await bus.exited).toBe(0);
    expect(bus.stderr()).toMatch(/Received SIGTERM, shutting down[\s\S]*Threat Bus stopped/);
  } finally {
    project.cleanup();
  }
});

test.each([
  ['directly', false],
  ['through sh -c, as npm exec does', true],
])('the bus notices its parent exiting (npx killed, bus started %s) and shuts down gracefully', async (_, viaShell) => {
  const project = projectWithConfig(EMPTY_CONFIG);
  // The wrapper stands for npx/npm exec: it starts the bus and does not forward signals.
  // Through a shell, the shell survives the wrapper's SIGKILL and stays the bus's parent (`; :` keeps it from exec'ing).
  const wrapper = join(project.dir, 'wrapper.js');
  const command = viaShell
    ? `'sh', ['-c', ${JSON.stringify(`"${process.execPath}" "${CLI}" -c config.yaml; :`)}]`
    : `process.execPath, [${JSON.stringify(CLI)}, '-c', 'config.yaml']`;
  writeFileSync(wrapper, `require('child_process').spawn(${command}, { stdio: 'inherit' });\nsetInterval(() => {}, 1000);\n`);
  try {
    const run = startProcess(wrapper, [], project.dir);
    await run.waitForLog('Threat Bus ready');
    run.child.kill('SIGKILL');
    // 'close' comes once the bus, which shares the wrapper's stderr, has exited too.
    await run.exited;
    expect(run.stderr()).toMatch(/Parent process \d+ exited, shutting down[\s\S]*Threat Bus stopped/);
  } finally {
    project.cleanup();
  }
});

const STRAY_REJECTION = `
module.exports.default = {
  kind: 'app', name: 'sloppy',
  create: (ctx) => ({
    start: async () => {
      Promise.reject(new Error('stray failure'));
      setTimeout(() => Promise.reject(new Error('another stray failure')), 10);
      ctx.logger.info('sloppy started');
    },
    stop: async () => {},
  }),
};`;

const THROWS_LATER = `
module.exports.default = {
  kind: 'app', name: 'thrower',
  create: () => ({
    start: async () => { setTimeout(() => { throw new Error('boom in a timer'); }, 10); },
    stop: async () => {},
  }),
};`;

test('a stray rejected promise is logged with a counter and the bus keeps running', async () => {
  const project = projectWithConfig('plugins:\n  apps:\n    sloppy: {}\n', [{ packageName: 'threatbus-sloppy', kind: 'app', name: 'sloppy', code: STRAY_REJECTION }]);
  try {
    const bus = startCli(['-c', 'config.yaml'], project.dir);
    await bus.waitForLog(/Unhandled promise rejection \(2 so far\).*error="another stray failure"/);
    expect(bus.stderr()).toMatch(/ERROR +\[threatbus\] Unhandled promise rejection \(1 so far\), a bug in Threat Bus or a plugin; the bus keeps running error="stray failure"/);
    expect(bus.child.exitCode).toBeNull();
    bus.child.kill('SIGTERM');
    expect(await bus.exited).toBe(0);
    expect(bus.stderr()).not.toMatch(/\n +at /);
  } finally {
    project.cleanup();
  }
});

test('an uncaught exception is logged, the bus stops gracefully and exits 1', async () => {
  const project = projectWithConfig('plugins:\n  apps:\n    thrower: {}\n', [{ packageName: 'threatbus-thrower', kind: 'app', name: 'thrower', code: THROWS_LATER }]);
  try {
    const bus = startCli(['-c', 'config.yaml'], project.dir);
    expect(await bus.exited).toBe(1);
    expect(bus.stderr()).toMatch(/CRITICAL +\[threatbus\] Uncaught exception \(1 so far\).*error="boom in a timer"/);
    expect(bus.stderr()).toMatch(/Uncaught exception, shutting down[\s\S]*Threat Bus stopped/);
  } finally {
    project.cleanup();
  }
});

test('a stop during a start-up that hangs (a silent peer) exits within 10 s, saying so', async () => {
  const hangs = "module.exports.default = { kind: 'app', name: 'hangs', create: () => ({ start: () => new Promise(() => {}), stop: async () => {} }) };";
  const project = projectWithConfig('plugins:\n  apps:\n    hangs: {}\n', [{ packageName: 'threatbus-hangs', kind: 'app', name: 'hangs', code: hangs }]);
  try {
    const bus = startCli(['-c', 'config.yaml'], project.dir);
    await bus.waitForLog('Starting plugins...');
    bus.child.kill('SIGTERM');
    expect(await bus.exited).toBe(1);
    expect(bus.stderr()).toContain('threatbus: Received SIGTERM, and start-up did not finish within 10 s; exiting');
  } finally {
    project.cleanup();
  }
}, 30_000);
