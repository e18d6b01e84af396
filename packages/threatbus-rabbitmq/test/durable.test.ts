/**
 * Nothing lost across restarts and crashes: a durable queue keeps what is
 * published while its instance is down, and a message a crashed instance
 * had been handed but not yet acknowledged comes back after the restart.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { queueName } from '../src/config';
import { adminChannel, cleanup, indicator, startBus, tagOf, uniqueName, waitFor, withBroker } from './helpers';
import type { TestBus } from './helpers';

// Every test here needs the broker: skipped, with the reason, without one.
const { test, describe, beforeAll, afterAll } = withBroker;

const durable = { queue: { durable: true, auto_delete: false } };
const qname = (suffix: string) => queueName({ name_join_symbol: '.', name_suffix: suffix });

describe('instance restart', () => {
  const exchange = uniqueName('tb-durable');
  const suffixA = uniqueName('pub');
  const suffixB = uniqueName('restart');
  let a: TestBus;
  let b: TestBus | undefined;

  beforeAll(async () => {
    a = await startBus(exchange, suffixA);
  });
  afterAll(async () => {
    await a?.started.close();
    await b?.started.close();
    await cleanup(exchange, exchange, [qname(suffixA), qname(suffixB)]);
  });

  test('messages published while an instance is down wait in its durable queue and reach its subscribers after the restart', async () => {
    b = await startBus(exchange, suffixB, durable);
    await b.started.close();
    b = undefined;

    const sent = Array.from({ length: 10 }, (_, i) => indicator(`kept${i}`));
    for (const m of sent) await a.recorder.bus().publish(m);
    const { conn, ch } = await adminChannel(exchange);
    try {
      expect((await ch.checkQueue(qname(suffixB))).messageCount).toBe(10);
    } finally {
      await conn.close();
    }

    b = await startBus(exchange, suffixB, durable);
    const restarted = b;
    await waitFor('the kept messages at the restarted instance', () => restarted.recorder.received.length >= 10);
    await new Promise((r) => setTimeout(r, 200));
    expect(restarted.recorder.received.map(tagOf)).toEqual(sent.map(tagOf));
  });
});

describe('crash while a subscriber holds a message', () => {
  const exchange = uniqueName('tb-crash');
  const suffixA = uniqueName('pub');
  const suffixC = uniqueName('crash');
  let a: TestBus;
  let c: TestBus | undefined;

  beforeAll(async () => {
    a = await startBus(exchange, suffixA);
  });
  afterAll(async () => {
    await a?.started.close();
    await c?.started.close();
    await cleanup(exchange, exchange, [qname(suffixA), qname(suffixC)]);
  });

  test('the message handed over but not acknowledged is delivered again after the restart', async () => {
    const child = spawn(process.execPath, [join(__dirname, 'fixtures', 'crash-child.js'), exchange, suffixC], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    try {
      await waitFor('the child bus to start', () => out.includes('ready\n') || child.exitCode !== null);
      expect(err).toBe('');

      for (const tag of ['first', 'crash-here', 'third']) await a.recorder.bus().publish(indicator(tag));
      expect(await exited).toBe('SIGKILL');
    } finally {
      child.kill('SIGKILL');
    }
    expect(out).toContain("[domain-name:value = 'first.example.com']");
    expect(out).toContain("[domain-name:value = 'crash-here.example.com']");

    c = await startBus(exchange, suffixC, durable);
    const restarted = c;
    await waitFor('redelivery after the crash', () => ['crash-here', 'third'].every((t) => restarted.recorder.received.some((m) => tagOf(m) === t)));
    // Order is kept; 'first' may come again too if its acknowledgement did not leave the dying process (duplicates are allowed, loss is not).
    const tags = restarted.recorder.received.map(tagOf).filter((t) => t !== 'first');
    expect(tags).toEqual(['crash-here', 'third']);
  });
});
