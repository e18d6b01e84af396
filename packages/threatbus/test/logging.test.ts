/** The logger after close: a plugin's late line is dropped, not a "write after end" error thrown at the process. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../src';
import { makeProject } from './fixtures';

test('lines logged after close are dropped quietly, by the root logger and its children', async () => {
  const project = makeProject([]);
  const file = join(project.dir, 'bus.log');
  const errors: unknown[] = [];
  const onError = (e: unknown) => errors.push(e);
  process.on('uncaughtException', onError);
  try {
    const handle = createLogger({ console: false, file: true, filename: file }, 'test');
    const child = handle.logger.child('plugin');
    handle.logger.info('before close');
    await handle.close();
    handle.logger.info('after close');
    child.error('late plugin line');
    await handle.close();
    await new Promise((r) => setImmediate(r));
    expect(errors).toEqual([]);
    expect(readFileSync(file, 'utf8')).toMatch(/^.*before close\n$/);
  } finally {
    process.off('uncaughtException', onError);
    project.cleanup();
  }
});
