/**
 * Kafka intake with Debian's kcat on both sides of the bus: one kcat process
 * runs librdkafka's mock cluster (`-X test.mock.num.brokers=1`; it lives as
 * long as that kcat's stdin stays open), a second kcat produces MISP's
 * notifications to it, one message per line — an external Kafka client, as
 * MISP's Kafka export is. `.ci/run` installs kcat; without it the tests are skipped.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { startThreatBus } from 'threatbus';
import type { Indicator } from 'threatbus';
import { probeApp } from 'threatbus/testing';
import mispPlugin from '../src';
import type { MispApp } from '../src/plugin';
import { notification, recordingLogger, uuid, waitFor } from './helpers';
import { needs, KCAT } from '../../../tools/peers';

// Without kcat jest reports these tests as skipped, with the reason.
const { test } = needs(KCAT);

const TOPIC = 'misp_attribute';

/** Produce each line as one message with a separate kcat process (it flushes and exits at end of input). */
function produce(bootstrap: string, lines: string[]): void {
  const r = spawnSync('kcat', ['-P', '-b', bootstrap, '-t', TOPIC], { input: lines.join('\n') + '\n', encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`kcat producer failed (${r.status}): ${r.stderr}`);
}

function startKcatBroker(): Promise<{ kcat: ChildProcessWithoutNullStreams; bootstrap: string }> {
  const kcat = spawn('kcat', ['-P', '-b', 'x:9092', '-X', 'test.mock.num.brokers=1', '-d', 'mock', '-t', TOPIC]);
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kcat named no mock broker within 15 s:\n${log.slice(-2000)}`)), 15_000);
    kcat.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run kcat (Debian package kcat; .ci/run installs it): ${e.message}`));
    });
    kcat.stderr.on('data', (d: Buffer) => {
      log += d.toString();
      const m = /bootstrap\.servers=(127\.0\.0\.1:\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve({ kcat, bootstrap: m[1] });
      }
    });
  });
}

test('kcat is installed', () => {
  expect(spawnSync('kcat', ['-V'], { encoding: 'utf8' }).stdout).toMatch(/kcat/);
});

test('notifications produced by kcat (an external Kafka client) become indicators', async () => {
  const { kcat, bootstrap } = await startKcatBroker();
  const sink = probeApp({ name: 'sink', topics: ['stix2/indicator'] });
  const ids = [uuid(), uuid(), uuid()];
  // MISP has been publishing before the bus starts (this also creates the topic in the mock cluster;
  // a consumer subscribed to a topic that does not exist yet would only see it at its next metadata refresh).
  produce(bootstrap, [JSON.stringify(notification({ uuid: ids[0], type: 'domain', value: 'evil.example.com' }))]);
  const bus = await startThreatBus({
    config: {
      plugins: {
        apps: {
          misp: { kafka: { topics: [TOPIC], poll_interval: 0.2, config: { 'bootstrap.servers': bootstrap, 'group.id': `threatbus-${randomUUID()}`, 'auto.offset.reset': 'earliest' } } },
          sink: {},
        },
      },
    },
    plugins: [mispPlugin, sink.definition],
    searchRoots: false,
    logger: recordingLogger(),
  });
  try {
    produce(bootstrap, [
      'not json at all',
      JSON.stringify(notification({ uuid: ids[1], type: 'ip-dst', value: '2001:db8::66' })),
      JSON.stringify(notification({ uuid: ids[2], type: 'sha256', value: 'a'.repeat(64), action: 'delete' })),
    ]);
    await waitFor('three indicators from kcat', () => sink.received.length >= 3, 30_000);
    const byId = new Map((sink.received as Indicator[]).map((i) => [i.id, i]));
    expect(byId.get(`indicator--${ids[0]}`)?.pattern).toBe("[domain-name:value = 'evil.example.com']");
    expect(byId.get(`indicator--${ids[1]}`)?.pattern).toBe("[ipv6-addr:value = '2001:db8::66']");
    expect(byId.get(`indicator--${ids[2]}`)?.x_threatbus_update).toBe('REMOVE');
    await waitFor('the bad line counted', () => bus.bus.plugin<MispApp>('misp').intake.invalid >= 1, 5_000);
  } finally {
    await bus.close();
    kcat.stdin.end();
    await new Promise((r) => kcat.once('exit', r));
  }
}, 60_000);
