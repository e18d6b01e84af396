/**
 * tools/peers.ts and tools/summary-reporter.js together, in a child jest over
 * the fixtures: a missing peer is a skip with the reason and the install hint;
 * under THREATBUS_CI_NO_SKIPS=1 it fails the run, except a peer CI may lack,
 * and a skip written by hand fails the run too.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function jest(fixture: string, env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  const config = {
    rootDir: join(__dirname, 'fixtures'),
    testMatch: [`**/${fixture}`],
    transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }] },
    reporters: ['default', join(ROOT, 'tools', 'summary-reporter.js')],
  };
  const bin = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
  const childEnv: NodeJS.ProcessEnv = { ...process.env, THREATBUS_CI_NO_SKIPS: '', ...env };
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, '--config', JSON.stringify(config), '--ci'], { cwd: ROOT, env: childEnv }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr });
    });
  });
}

test('a missing peer is reported as skipped with the reason and the install hint', async () => {
  const r = await jest('gated.fixture.ts');
  expect(r.code).toBe(0);
  expect(r.output).toContain('2 skipped:');
  expect(r.output).toContain('needs the absent peer (skipped: needs a peer that is never there: it is absent; install: nothing to install)');
  expect(r.output).toContain('needs the optional peer (skipped: needs an optional peer: it is absent; install: nothing to install) [may be skipped in CI]');
  expect(r.output).toMatch(/\n1 passed, 0 failed\n/);
});

test('THREATBUS_CI_NO_SKIPS=1: a missing peer fails the run, one CI may lack stays a skip', async () => {
  const r = await jest('gated.fixture.ts', { THREATBUS_CI_NO_SKIPS: '1' });
  expect(r.code).toBe(1);
  expect(r.output).toContain('THREATBUS_CI_NO_SKIPS=1 and this test needs a peer that is never there: it is absent; install: nothing to install');
  expect(r.output).toContain('1 skipped:');
  expect(r.output).toMatch(/\n1 passed, 1 failed\n/);
});

test('THREATBUS_CI_NO_SKIPS=1: a skip written by hand fails the run', async () => {
  const plain = await jest('raw-skip.fixture.ts');
  expect(plain.code).toBe(0);
  const ci = await jest('raw-skip.fixture.ts', { THREATBUS_CI_NO_SKIPS: '1' });
  expect(ci.code).toBe(1);
  expect(ci.output).toContain('THREATBUS_CI_NO_SKIPS=1: 1 skipped test(s) count as failed');
  expect(ci.output).toMatch(/\n1 passed, 1 failed\n/);
});
