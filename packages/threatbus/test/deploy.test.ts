/** The deployment files in deploy/ (docs/deployment.md) stay valid. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT, runCli } from './cli-process';

const UNIT = readFileSync(resolve(ROOT, 'deploy/threatbus.service'), 'utf8');
const haveSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

test('the systemd unit runs the installed command, not npx, and stops it with SIGTERM', () => {
  expect(UNIT).toMatch(/^ExecStart=\/opt\/threatbus\/node_modules\/\.bin\/threatbus -c \/etc\/threatbus\/config\.yaml$/m);
  expect(UNIT).toMatch(/^KillSignal=SIGTERM$/m);
  expect(UNIT).not.toMatch(/^ExecStart=.*(npx|npm)/m);
  expect(readFileSync(resolve(ROOT, 'deploy/Dockerfile'), 'utf8')).toMatch(/^ENTRYPOINT \["\/opt\/threatbus\/node_modules\/\.bin\/threatbus", "-c", "\/etc\/threatbus\/config\.yaml"\]$/m);
});

(haveSystemdAnalyze ? test : test.skip)(`systemd-analyze verify accepts the unit${haveSystemdAnalyze ? '' : ' (skipped: install systemd for systemd-analyze)'}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'threatbus-unit-'));
  try {
    // The unit's command must exist for verify: point it at this repository's.
    const unit = join(dir, 'threatbus.service');
    writeFileSync(unit, UNIT.replace('/opt/threatbus/node_modules/.bin/threatbus', resolve(ROOT, 'node_modules/.bin/threatbus')));
    const out = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8', timeout: 20_000 });
    expect({ status: out.status, stderr: out.stderr }).toEqual({ status: 0, stderr: '' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the container's config is valid", () => {
  const out = runCli(['--check', '-c', 'deploy/config.yaml']);
  expect(out.stderr).toBe('');
  expect(out.status).toBe(0);
  expect(out.stdout).toMatch(/app +zmq +threatbus-zmq-app@/);
});
