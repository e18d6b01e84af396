import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BoundedTasks, caBundleProblems, retryWithBackoff, sleepUnlessAborted, tlsOptionsFromSsl } from '../src';

describe('retryWithBackoff', () => {
  it('retries with doubling delays capped at maxDelayMs until the attempt resolves', async () => {
    const retries: [number, number][] = [];
    const outcome = await retryWithBackoff(
      async (n) => {
        if (n < 4) throw new Error(`fail ${n}`);
        return 'ok';
      },
      { initialDelayMs: 1, maxDelayMs: 3, retryForMs: 10_000, signal: new AbortController().signal, onRetry: (_e, n, d) => retries.push([n, d]) },
    );
    expect(outcome).toEqual({ status: 'done', value: 'ok', attempts: 4 });
    expect(retries).toEqual([[1, 1], [2, 2], [3, 3]]);
  });

  it('gives up with the last error when the next attempt would start after retryForMs', async () => {
    const outcome = await retryWithBackoff(() => Promise.reject(new Error('no')), { initialDelayMs: 5, retryForMs: 0, signal: new AbortController().signal });
    expect(outcome).toMatchObject({ status: 'gave-up', attempts: 1 });
    expect((outcome as { error: Error }).error.message).toBe('no');
  });

  it('ends as aborted when the signal aborts during a wait', async () => {
    const abort = new AbortController();
    const outcome = retryWithBackoff(() => Promise.reject(new Error('no')), { initialDelayMs: 60_000, retryForMs: 600_000, signal: abort.signal, onRetry: () => abort.abort() });
    await expect(outcome).resolves.toEqual({ status: 'aborted', attempts: 1 });
  });

  it('ends as aborted when an attempt fails after the abort', async () => {
    const abort = new AbortController();
    abort.abort();
    await expect(retryWithBackoff(() => Promise.reject(new Error('no')), { initialDelayMs: 1, retryForMs: 1000, signal: abort.signal })).resolves.toEqual({ status: 'aborted', attempts: 1 });
  });

  it('sleepUnlessAborted says whether the full time passed', async () => {
    await expect(sleepUnlessAborted(1, new AbortController().signal)).resolves.toBe(true);
    const abort = new AbortController();
    const slept = sleepUnlessAborted(60_000, abort.signal);
    abort.abort();
    await expect(slept).resolves.toBe(false);
  });
});

describe('tlsOptionsFromSsl and caBundleProblems', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'tb-tls-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('true verifies, false does not, a path is a CA bundle read once', () => {
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, 'PEM');
    expect(tlsOptionsFromSsl(true, 'k')).toEqual({ rejectUnauthorized: true });
    expect(tlsOptionsFromSsl(false, 'k')).toEqual({ rejectUnauthorized: false });
    expect(tlsOptionsFromSsl(ca, 'k')).toEqual({ rejectUnauthorized: true, ca: Buffer.from('PEM') });
  });

  it('an unreadable bundle names the key and the file', () => {
    const missing = join(dir, 'missing.pem');
    expect(() => tlsOptionsFromSsl(missing, 'plugins.apps.x.ssl')).toThrow(`plugins.apps.x.ssl: cannot read the CA bundle '${missing}'`);
    expect(caBundleProblems('https://h', missing, 'ssl')).toEqual([{ path: 'ssl', message: expect.stringContaining(`cannot read the CA bundle '${missing}'`) }]);
    expect(caBundleProblems('http://h', missing, 'ssl')).toEqual([]);
    expect(caBundleProblems('https://h', true, 'ssl')).toEqual([]);
  });
});

describe('BoundedTasks', () => {
  it('runs at most limit tasks at once and settles when all finished', async () => {
    const tasks = new BoundedTasks(2);
    const release: (() => void)[] = [];
    let running = 0;
    let most = 0;
    const task = () =>
      new Promise<void>((resolve) => {
        running++;
        most = Math.max(most, running);
        release.push(() => {
          running--;
          resolve();
        });
      });
    await tasks.start(task);
    await tasks.start(task);
    const third = tasks.start(task);
    expect(tasks.size).toBe(2);
    release.shift()!();
    await third;
    expect(tasks.size).toBe(2);
    const all = tasks.settled();
    while (release.length) release.shift()!();
    await all;
    expect(tasks.size).toBe(0);
    expect(most).toBe(2);
  });
});
