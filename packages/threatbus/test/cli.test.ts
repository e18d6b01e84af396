/** The CLI end to end: a real child process on the built output. */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeProject } from './fixtures';
import { CLI, ROOT, cleanEnv, runCli as run } from './cli-process';

test('starts on the example config, logs ready, stops on SIGTERM with exit 0', async () => {
  const child = spawn(process.execPath, [CLI, '-c', 'config.example.yaml'], { cwd: ROOT, env: cleanEnv });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const began = Date.now();
  await new Promise<void>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`not ready after 10 s:\n${stderr}`)), 10_000);
    child.stderr.on('data', () => {
      if (stderr.includes('Threat Bus ready')) {
        clearTimeout(t);
        res();
      }
    });
    child.on('exit', (code) => rej(new Error(`exited early with ${code}:\n${stderr}`)));
  });
  const readyAfter = Date.now() - began;
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  expect(code).toBe(0);
  expect(stderr).toMatch(/INFO +\[threatbus\] No backbone configured, using the in-memory backbone/);
  expect(stderr).toMatch(/\[threatbus\.inmem\] In-memory backbone started/);
  expect(stderr).toMatch(/Received SIGTERM, shutting down/);
  expect(stderr).toMatch(/Threat Bus stopped/);
  expect(readyAfter).toBeLessThan(10_000);
});

test('--check prints the plan and exits 0; an invalid config exits 1 naming every problem', () => {
  const ok = run(['--check', '-c', 'config.example.yaml']);
  expect(ok.status).toBe(0);
  expect(ok.stdout).toMatch(/config.example.yaml is valid/);
  expect(ok.stdout).toMatch(/backbone inmem +built in \(default\)/);

  const project = makeProject([]);
  try {
    writeFileSync(join(project.dir, 'config.yaml'), 'logging:\n  console: maybe\nplugins:\n  apps:\n    nosuch: {}\n');
    const bad = run(['--check'], project.dir);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('Invalid config:');
    expect(bad.stderr).toContain('logging.console: must be boolean, got "maybe" (config.yaml)');
    expect(bad.stderr).toContain("plugins.apps.nosuch: no app plugin named 'nosuch' is installed; install it with: npm install threatbus-nosuch");
    // Starting (not only checking) with a missing plugin fails the same way.
    expect(run([], project.dir).status).toBe(1);
  } finally {
    project.cleanup();
  }
});

test('--print-config shows env overrides and masks secrets', () => {
  const project = makeProject([{ packageName: 'threatbus-alpha', kind: 'app', name: 'alpha' }]);
  try {
    writeFileSync(join(project.dir, 'config.yml'), 'plugins:\n  apps:\n    alpha:\n      password: hunter2\n');
    const out = run(['--print-config'], project.dir, { THREATBUS_PLUGINS__APPS__ALPHA__PORT: '5000' });
    expect(out.status).toBe(0);
    expect(out.stdout).toContain('port: 5000');
    expect(out.stdout).toContain('password: "********"');
    expect(out.stdout).not.toContain('hunter2');
  } finally {
    project.cleanup();
  }
});

test('refuses a config file that is not YAML, and bad flags', () => {
  const notYaml = run(['-c', 'package.json']);
  expect(notYaml.status).toBe(1);
  expect(notYaml.stderr).toContain("Please provide a YAML configuration file ending in .yaml or .yml, got 'package.json'");
  const badFlag = run(['--bogus']);
  expect(badFlag.status).toBe(2);
  expect(badFlag.stderr).toMatch(/Unknown argument: bogus/);
  const badLevel = run(['--log-level', 'loud', '-c', 'config.example.yaml']);
  expect(badLevel.status).toBe(2);
  expect(run(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
});

test('the installed command (bin/threatbus.js, executable, linked by npm) runs the CLI', () => {
  const bin = resolve(__dirname, '../bin/threatbus.js');
  const out = spawnSync(bin, ['--version'], { encoding: 'utf8', env: cleanEnv, timeout: 20_000 });
  expect(out.status).toBe(0);
  expect(out.stdout.trim()).toBe(require('../package.json').version);
  // npm ci links workspace commands into node_modules/.bin; the README's `npx threatbus` relies on it.
  expect(spawnSync(resolve(ROOT, 'node_modules/.bin/threatbus'), ['--version'], { encoding: 'utf8', env: cleanEnv }).stdout.trim()).toBe(out.stdout.trim());
});
