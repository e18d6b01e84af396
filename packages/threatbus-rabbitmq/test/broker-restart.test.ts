/**
 * A RabbitMQ restart mid-stream loses nothing (issue 13.5,
 * docs/reliability.md): `rabbitmqctl stop_app` / `start_app` while a bus
 * publishes a stream of indicators through the real broker; every one must
 * come back to the bus's subscriber. Duplicates (a message the broker had
 * but had not confirmed when it stopped is sent again) are counted.
 *
 * The broker is shared with the other suites; the test restarts it only
 * once, and restores it (start_app, await_startup) in `finally` even when
 * it fails. It needs `rabbitmqctl` (root, or the rabbitmq user) and is
 * reported as skipped otherwise.
 */
import { spawnSync } from 'node:child_process';
import type { Peer } from '../../../tools/peers';
import { needs } from '../../../tools/peers';
import { adminChannel, BROKER, cleanup, indicator, rabbitmqctl, startBus, tagOf, uniqueName, waitFor, withBroker } from './helpers';
import type { TestBus } from './helpers';

const RABBITMQCTL: Peer = {
  name: 'rabbitmqctl allowed to stop and start the local broker',
  hint: 'run the tests as root or as the rabbitmq user (.ci/run does)',
  missing: () => {
    const r = spawnSync('rabbitmqctl', ['-q', 'status'], { stdio: 'ignore', timeout: 15_000 });
    return r.error ? `cannot run rabbitmqctl: ${r.error.message}` : r.status === 0 ? undefined : `rabbitmqctl status exits with ${r.status}`;
  },
};

const ctl = withBroker.available ? needs(RABBITMQCTL) : withBroker;
/** Indicators published at least; the stream goes on until the broker is back. */
const TOTAL = 4_000;
/** Concurrent publishers, each paced, so that the stream spans the restart (a few seconds) at a few thousand a second. */
const WORKERS = 10;
const PACE_MS = 2;

/** Publish until `done()`, retrying any the backbone refuses (buffer full), as the MISP intake does. */
async function publishStream(bus: TestBus, onProgress: (confirmed: number) => void, done: (published: number) => boolean): Promise<{ published: number; retries: number }> {
  let next = 0;
  let confirmed = 0;
  let retries = 0;
  const worker = async (): Promise<void> => {
    while (!done(next)) {
      const tag = `m${next++}`;
      for (;;) {
        try {
          await bus.recorder.bus().publish(indicator(tag));
          break;
        } catch {
          retries++;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      onProgress(++confirmed);
      await new Promise((r) => setTimeout(r, PACE_MS));
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));
  return { published: next, retries };
}

async function restoreBroker(): Promise<void> {
  await rabbitmqctl('start_app').catch(() => {});
  await rabbitmqctl('await_startup');
}

ctl.test('rabbitmqctl stop_app / start_app mid-stream: nothing lost, duplicates counted', async () => {
  const exchange = uniqueName('tb-restart');
  const suffix = uniqueName('restart');
  // A durable queue (the default) and the default durable exchange: both outlive the broker restart.
  const bus = await startBus(exchange, suffix, { ...BROKER, reconnect: { initial_delay: 0.2, max_delay: 1 }, queue: { durable: true, auto_delete: false } });
  let restarted: Promise<void> | undefined;
  let restartDone = false;
  const stats = { published: 0, lost: -1, duplicates: -1, retries: 0 };
  try {
    const { published, retries } = await publishStream(
      bus,
      (confirmed) => {
        if (confirmed === 1_000 && !restarted) {
          restarted = (async () => {
            await rabbitmqctl('stop_app');
            await rabbitmqctl('start_app');
            await rabbitmqctl('await_startup');
          })().finally(() => (restartDone = true));
        }
      },
      (n) => n >= TOTAL && restartDone,
    );
    await restarted;
    Object.assign(stats, { published, retries });
    const distinct = (): number => new Set(bus.recorder.received.map(tagOf)).size;
    await waitFor(`all ${published} indicators back from the broker`, () => distinct() >= published, 30_000).catch(() => {});
    stats.lost = published - distinct();
    stats.duplicates = bus.recorder.received.length - distinct();
    process.stdout.write(`rabbitmq restart: ${JSON.stringify(stats)}\n`);
    // The restart happened mid-stream: the bus saw its connections go and come back.
    expect(bus.log.some((l) => /RabbitMQ publisher connection lost/.test(l.message))).toBe(true);
    expect(stats.lost).toBe(0);
  } finally {
    await restarted?.catch(() => {});
    await restoreBroker();
    await bus.started.close();
    await cleanup(exchange, exchange, [`threatbus.${suffix}`]);
  }
}, 90_000);

withBroker.test('a message no queue takes comes back (mandatory) and is sent again once the queue is bound', async () => {
  const exchange = uniqueName('tb-return');
  const suffix = uniqueName('return');
  const queue = `threatbus.${suffix}`;
  const bus = await startBus(exchange, suffix, { queue: { durable: true, auto_delete: false } });
  const { conn, ch } = await adminChannel(exchange);
  try {
    // The binding gone, as after a restart of a broker without a durable exchange.
    await ch.unbindQueue(queue, exchange, queue);
    const published = bus.recorder.bus().publish(indicator('returned'));
    await waitFor('the broker returned the message', () => bus.log.some((l) => /RabbitMQ returned a message/.test(l.message)));
    await ch.bindQueue(queue, exchange, queue);
    await published;
    await waitFor('the resent message', () => bus.recorder.received.some((m) => tagOf(m) === 'returned'));
  } finally {
    await conn.close().catch(() => {});
    await bus.started.close();
    await cleanup(exchange, exchange, [queue]);
  }
});

withBroker.test("a bus with the default durable exchange names the fix when the original's non-durable exchange exists", async () => {
  const exchange = uniqueName('tb-mixed');
  const { conn, ch } = await adminChannel(exchange);
  try {
    // As a Python Threat Bus declares it (pika's defaults).
    await ch.assertExchange(exchange, 'fanout', { durable: false, autoDelete: false });
    await expect(startBus(exchange, uniqueName('mixed'))).rejects.toThrow(
      new RegExp(`exchange '${exchange}' exists with other flags than this bus declares \\(durable: true\\); a Python Threat Bus declares it non-durable: set durable_exchange: false to share it, or use another exchange_name`),
    );
    // And with durable_exchange: false both share it.
    const bus = await startBus(exchange, uniqueName('mixed'), { durable_exchange: false });
    await bus.started.close();
  } finally {
    await conn.close().catch(() => {});
    await cleanup(exchange, exchange, []);
  }
});
