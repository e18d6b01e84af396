/**
 * End-to-end harness: a real Threat Bus in-process (core + zmq-app plugin on
 * free ports), the kit's probe app to publish indicators and collect
 * sightings, and the fake `vast`/`tenzir` executables on PATH.
 */
import { copyFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createIndicator } from 'threatbus';
import type { Indicator, Sighting, SnapshotRequest } from 'threatbus';
import { recordingLogger, sleep, startTestBus, waitFor } from 'threatbus/testing';
import type { RecordingLogger, TestBus as KitTestBus } from 'threatbus/testing';
import zmqPlugin from 'threatbus-zmq-app';
import type { BoundPorts, ZmqApp } from 'threatbus-zmq-app';
import { VastThreatBusApp, validateConfig } from '../src';
import type { VastThreatBusConfig } from '../src';

export const FAKE_VAST = join(__dirname, 'fake-vast.js');
export const ECHO = join(__dirname, 'echo-argv.js');

export { waitFor };

export interface Call {
  bin: string;
  argv: string[];
  endpoint?: string;
  event?: 'end';
}

/** A temp directory with `bin/vast` and `bin/tenzir` (copies of the fake) and the fake's state. */
export class FakeVast {
  readonly dir = mkdtempSync(join(tmpdir(), 'vast-threatbus-'));
  readonly bin = join(this.dir, 'bin');
  readonly log = join(this.dir, 'calls.jsonl');
  readonly db = join(this.dir, 'db.json');
  readonly down = join(this.dir, 'down');
  readonly state = join(this.dir, 'state');
  readonly extraEnv: Record<string, string> = {};
  private savedEnv: Record<string, string | undefined> = {};

  constructor() {
    mkdirSync(this.bin);
    mkdirSync(this.state);
    for (const name of ['vast', 'tenzir']) {
      copyFileSync(FAKE_VAST, join(this.bin, name));
      chmodSync(join(this.bin, name), 0o755);
    }
    writeFileSync(this.db, '{}');
  }

  get env(): Record<string, string> {
    return {
      PATH: `${this.bin}${delimiter}${process.env.PATH ?? ''}`,
      FAKE_VAST_LOG: this.log,
      FAKE_VAST_DB: this.db,
      FAKE_VAST_DOWN: this.down,
      FAKE_VAST_STATE: this.state,
      ...this.extraEnv,
    };
  }

  /** Put the fake on PATH of this process (the app spawns its binaries with our environment). */
  install(): void {
    for (const [k, v] of Object.entries(this.env)) {
      // Only the first install remembers the original value, so uninstall restores it.
      if (!(k in this.savedEnv)) this.savedEnv[k] = process.env[k];
      process.env[k] = v;
    }
  }

  uninstall(): void {
    for (const [k, v] of Object.entries(this.savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  setResults(results: Record<string, unknown[]>): void {
    writeFileSync(this.db, JSON.stringify(results));
  }

  setDown(down: boolean): void {
    if (down) writeFileSync(this.down, '');
    else rmSync(this.down, { force: true });
  }

  /** An event the fake matcher sees (matched against the IoCs added to it). */
  addEvent(type: string, event: Record<string, unknown>): void {
    appendFileSync(join(this.state, 'events.jsonl'), JSON.stringify({ type, event }) + '\n');
  }

  /** Every call in order (without the end records of slow exports). */
  calls(): Call[] {
    return this.records().filter((c) => c.event === undefined);
  }

  records(): Call[] {
    if (!existsSync(this.log)) return [];
    return readFileSync(this.log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Call);
  }

  /** Most slow exports running at the same time, from the start/end records. */
  maxConcurrentExports(): number {
    let now = 0;
    let max = 0;
    for (const r of this.records()) {
      const args = r.argv[0] === '-e' ? r.argv.slice(2) : r.argv;
      if (args[0] !== 'export' || args[1] === '--help') continue;
      now += r.event === 'end' ? -1 : 1;
      max = Math.max(max, now);
    }
    return max;
  }

  /** Calls whose argv (after the endpoint) starts with `words`. */
  callsOf(...words: string[]): string[][] {
    return this.calls()
      .map((c) => (c.argv[0] === '-e' ? c.argv.slice(2) : c.argv))
      .filter((a) => words.every((w, i) => a[i] === w));
  }
}

/** A Threat Bus with the zmq-app plugin and the kit's probe app, which publishes indicators, records sightings and answers indicator snapshots with `history`. */
export class TestBus {
  private constructor(private readonly bus: KitTestBus) {}

  /**
   * Start on the given ports, retrying while they are still in use: ZeroMQ
   * releases a closed socket's port asynchronously, so a restart on the same
   * ports can briefly find them busy.
   */
  static async restart(ports: BoundPorts): Promise<TestBus> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await TestBus.start(ports);
      } catch (e) {
        if (attempt >= 50 || !/in use/i.test((e as Error).message)) throw e;
        await sleep(100);
      }
    }
  }

  static async start(ports: Partial<BoundPorts> = {}, history: Indicator[] = []): Promise<TestBus> {
    const bus = await startTestBus({
      config: { plugins: { apps: { zmq: { host: '127.0.0.1', manage: ports.manage ?? 0, pub: ports.pub ?? 0, sub: ports.sub ?? 0, join_timeout: 5 } } } },
      plugins: [zmqPlugin],
      probe: { topics: ['stix2/sighting'], history },
    });
    return new TestBus(bus);
  }

  get ports(): BoundPorts {
    return this.bus.plugin<ZmqApp>('zmq').ports as BoundPorts;
  }

  get sightings(): Sighting[] {
    return this.bus.probe.sightings();
  }

  get snapshotRequests(): SnapshotRequest[] {
    return this.bus.probe.snapshotRequests;
  }

  get endpoint(): string {
    return `127.0.0.1:${this.ports.manage}`;
  }

  publish(indicator: Indicator): Promise<void> {
    return this.bus.probe.publish(indicator);
  }

  close(): Promise<void> {
    return this.bus.close();
  }
}

export function indicator(pattern: string, extra: Partial<Indicator> = {}): Indicator {
  return createIndicator({ pattern, pattern_type: 'stix', ...extra });
}

export function testConfig(overrides: Record<string, unknown>): VastThreatBusConfig {
  return validateConfig({ metrics: { interval: 0 }, logging: { console: false }, ...overrides });
}

export function startApp(config: VastThreatBusConfig, extra: { stdout?: (l: string) => void; logger?: RecordingLogger } = {}) {
  const logger = extra.logger ?? recordingLogger([], 'vast-threatbus');
  const app = new VastThreatBusApp({ config, logger, stdout: extra.stdout, heartbeatIntervalMs: 200, retryDelayMs: 100, maxRetryDelayMs: 400 });
  const done = app.start();
  return { app, logger, done };
}
