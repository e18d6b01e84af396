/**
 * At-least-once from MISP's Kafka export to a zmq app, across a bus that
 * dies (docs/reliability.md, issue 13.4). Real parts: librdkafka's mock
 * cluster in its own process (fixtures/kafka-mock-cluster.js; it outlives the
 * bus), the `threatbus` command with the misp and zmq plugins, and a zmq app
 * subscriber made of plain ZeroMQ sockets in this process.
 *
 * 5,000 notifications; the bus is stopped when the subscriber has ~1,500;
 * a new bus in the same consumer group carries on. `kill -9`: all 5,000
 * arrive, duplicates counted; SIGTERM: all 5,000, none twice.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Request, Subscriber } from 'zeromq';
import { notification, uuid, waitFor } from './helpers';
import { freePorts, startProcess } from '../../../tools/processes';
import type { Running } from '../../../tools/processes';
import { needs, NODE_RDKAFKA } from '../../../tools/peers';

const { test, beforeAll, afterAll } = needs(NODE_RDKAFKA);

const ROOT = resolve(__dirname, '../../..');
const CLI = join(ROOT, 'packages/threatbus/bin/threatbus.js');
const TOTAL = 5_000;
const STOP_AT = 1_500;

/** The mock cluster process and a line-oriented conversation with it. */
class MockCluster {
  private out = '';
  private constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (d: Buffer) => (this.out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (this.out += d.toString()));
  }

  static async start(): Promise<{ cluster: MockCluster; bootstrap: string }> {
    const cluster = new MockCluster(spawn(process.execPath, [join(__dirname, 'fixtures/kafka-mock-cluster.js')]));
    const m = await cluster.answer(/^bootstrap (\S+)$/m);
    return { cluster, bootstrap: m[1] };
  }

  send(cmd: object): void {
    this.child.stdin.write(JSON.stringify(cmd) + '\n');
  }

  /** Wait for an output line matching `re` that came after the output seen so far. */
  async answer(re: RegExp, from = this.out.length): Promise<RegExpExecArray> {
    let m: RegExpExecArray | null = null;
    await waitFor(`mock cluster to answer ${re}`, () => (m = re.exec(this.out.slice(from))) !== null, 20_000);
    return m as unknown as RegExpExecArray;
  }

  async produce(topic: string, values: string[], partitions: number): Promise<void> {
    const from = this.out.length;
    values.forEach((value, i) => this.send({ topic, partition: i % partitions, value }));
    this.send({ flush: true });
    await this.answer(/^flushed$/m, from);
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

/** A zmq app: subscribes to `stix2/indicator` and counts what it receives, per indicator id. */
class CountingApp {
  readonly seen = new Map<string, number>();
  total = 0;
  private readonly req = new Request({ linger: 0 });
  private readonly sub = new Subscriber({ linger: 0 });
  private loop?: Promise<void>;

  /** Sends the request at once: ZeroMQ holds it until the bus binds, so the subscription exists before the intake consumes. */
  async subscribe(manage: number, pub: number): Promise<void> {
    this.req.connect(`tcp://127.0.0.1:${manage}`);
    await this.req.send(JSON.stringify({ action: 'subscribe', topic: 'stix2/indicator', snapshot: 0 }));
    const [reply] = await this.req.receive();
    const p2p = (JSON.parse(reply.toString()) as { topic: string }).topic;
    this.sub.connect(`tcp://127.0.0.1:${pub}`);
    this.sub.subscribe(p2p);
    this.loop = (async () => {
      try {
        for await (const [frame] of this.sub) {
          const text = frame.toString('utf8');
          const id = (JSON.parse(text.slice(text.indexOf(' ') + 1)) as { id: string }).id;
          this.seen.set(id, (this.seen.get(id) ?? 0) + 1);
          this.total++;
        }
      } catch {
        // socket closed
      }
    })();
  }

  async close(): Promise<void> {
    this.req.close();
    this.sub.close();
    await this.loop;
  }
}

let cluster: MockCluster;
let bootstrap: string;
let dir: string;
const running: Running[] = [];
const apps: CountingApp[] = [];

beforeAll(async () => {
  ({ cluster, bootstrap } = await MockCluster.start());
  dir = mkdtempSync(join(tmpdir(), 'threatbus-kafka-restart-'));
});

afterAll(async () => {
  for (const r of running) await r.stop('SIGKILL');
  for (const a of apps) await a.close();
  await cluster?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function startBus(topic: string, group: string, app: CountingApp): Promise<Running> {
  const [manage, pub, sub] = await freePorts(3);
  const config = join(dir, `${randomUUID()}.yaml`);
  const settings = { 'bootstrap.servers': bootstrap, 'group.id': group, 'auto.offset.reset': 'earliest', 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500 };
  writeFileSync(
    config,
    JSON.stringify({
      logging: { console_verbosity: 'WARNING' },
      plugins: {
        apps: {
          zmq: { host: '127.0.0.1', manage, pub, sub },
          misp: { kafka: { topics: [topic], poll_interval: 0.1, commit_interval: 0.2, config: settings } },
        },
      },
    }),
  );
  const bus = startProcess(process.execPath, [CLI, '-c', config], ROOT);
  running.push(bus);
  apps.push(app);
  await app.subscribe(manage, pub);
  return bus;
}

/** Produce TOTAL notifications (spread over the topic's partitions); returns the partition count. */
async function produceAll(topic: string): Promise<number> {
  // The first message creates the topic; then its partitions are known.
  await cluster.produce(topic, [JSON.stringify(notification({ uuid: uuid(), type: 'domain', value: 'first.example.com' }))], 1);
  const from = (cluster as unknown as { out: string }).out.length;
  cluster.send({ partitions: topic });
  const partitions = Number((await cluster.answer(/^partitions (\d+)$/m, from))[1]);
  const values = Array.from({ length: TOTAL - 1 }, (_, i) => JSON.stringify(notification({ uuid: uuid(), type: 'domain', value: `host${i}.example.com` })));
  await cluster.produce(topic, values, Math.max(1, partitions));
  return Math.max(1, partitions);
}

function distinct(apps: CountingApp[]): { distinct: number; received: number; duplicates: number } {
  const ids = new Set<string>();
  let received = 0;
  for (const a of apps) {
    for (const id of a.seen.keys()) ids.add(id);
    received += a.total;
  }
  return { distinct: ids.size, received, duplicates: received - ids.size };
}

async function stopMidwayAndResume(signal: NodeJS.Signals): Promise<{ distinct: number; received: number; duplicates: number; exit: number | null }> {
  const topic = `misp_attribute_${signal.toLowerCase()}`;
  const group = `threatbus-${randomUUID()}`;
  const partitions = await produceAll(topic);
  const first = new CountingApp();
  const bus1 = await startBus(topic, group, first);
  await waitFor(`${STOP_AT} indicators before the ${signal}`, () => first.total >= STOP_AT, 30_000);
  const exit = await bus1.stop(signal);
  await first.close();
  const second = new CountingApp();
  const bus2 = await startBus(topic, group, second);
  // One marker at the end of every partition: once the second bus delivered them all, it delivered
  // everything before them too (a partition is consumed and a subscription sent in order).
  const markers = Array.from({ length: partitions }, () => uuid());
  await cluster.produce(topic, markers.map((id) => JSON.stringify(notification({ uuid: id, type: 'domain', value: 'marker.example.com' }))), partitions);
  const counts = (): { distinct: number; received: number; duplicates: number } => {
    const all = distinct([first, second]);
    const d = all.distinct - markers.filter((m) => second.seen.has(`indicator--${m}`)).length;
    return { distinct: d, received: all.received - (all.distinct - d), duplicates: all.duplicates };
  };
  try {
    await waitFor('the end of every partition after the restart', () => markers.every((m) => second.seen.has(`indicator--${m}`)), 30_000);
  } catch (e) {
    throw new Error(`${(e as Error).message}: ${JSON.stringify(counts())}\nfirst bus:\n${bus1.output().slice(-2000)}\nsecond bus:\n${bus2.output().slice(-2000)}`);
  }
  await bus2.stop('SIGTERM');
  await second.close();
  return { ...counts(), exit };
}

test('kill -9 mid-stream: every indicator arrives after the restart (duplicates allowed, counted)', async () => {
  const r = await stopMidwayAndResume('SIGKILL');
  process.stdout.write(`kafka kill -9: ${JSON.stringify(r)}\n`);
  expect(r.distinct).toBe(TOTAL);
}, 60_000);

test('SIGTERM mid-stream: every indicator arrives, none twice', async () => {
  const r = await stopMidwayAndResume('SIGTERM');
  process.stdout.write(`kafka SIGTERM: ${JSON.stringify(r)}\n`);
  expect(r.exit).toBe(0);
  expect(r.distinct).toBe(TOTAL);
  expect(r.duplicates).toBe(0);
}, 60_000);
