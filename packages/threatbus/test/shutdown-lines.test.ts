/**
 * Every graceful shutdown writes its last log lines (issue 12.5): 30 SIGTERM
 * shutdowns. Its own file, so that it runs beside lifecycle.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCli } from './cli-process';
import { makeProject } from './fixtures';

test('every graceful shutdown writes its last lines: 30 SIGTERM shutdowns', async () => {
  const project = makeProject([]);
  writeFileSync(join(project.dir, 'config.yaml'), 'plugins:\n  apps: {}\n');
  const failures: string[] = [];
  const once = async (i: number) => {
    const bus = startCli(['-c', 'config.yaml'], project.dir);
    // Ten starting side by side on a loaded machine: generous.
    await bus.waitForLog('Threat Bus ready', 60_000);
    bus.child.kill('SIGTERM');
    const code = await bus.exited;
    const out = bus.stderr();
    if (code !== 0 || !/Received SIGTERM, shutting down/.test(out) || !/Threat Bus stopped/.test(out)) failures.push(`run ${i}: exit ${code}\n${out}`);
  };
  try {
    // Batches of 10 in parallel: 30 starts in a few seconds, and each one still races its own shutdown.
    for (let batch = 0; batch < 3; batch++) await Promise.all(Array.from({ length: 10 }, (_, j) => once(batch * 10 + j)));
    expect(failures).toEqual([]);
  } finally {
    project.cleanup();
  }
}, 120_000);
