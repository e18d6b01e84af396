/** Temp directories, STIX objects with chosen timestamps, and a StoreApp outside a bus (with a clock the test moves). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIndicator, createSighting, parseIndicator, formatStixTimestamp, MessageType, detachedPluginMetrics } from 'threatbus';
import type { AppBus, Indicator, Sighting, SnapshotRequest } from 'threatbus';
import { recordingLogger, validatedConfig } from 'threatbus/testing';
import type { RecordingLogger } from 'threatbus/testing';
import storePlugin, { StoreApp } from '../src';
import type { StoreConfig } from '../src';

const dirs: string[] = [];

/** A fresh temp directory, removed by `removeTempDirs` (call it in afterAll/afterEach). */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'threatbus-store-'));
  dirs.push(d);
  return d;
}

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export const DAY = 86_400_000;
export const iso = (ms: number): string => formatStixTimestamp(ms);

let counter = 0;

/** An indicator; `at` (ms) sets created, modified and valid_from. */
export function indicator(init: { id?: string; at?: number; modified?: string; valid_until?: number; remove?: boolean; value?: string } = {}): Indicator {
  const at = init.at ?? Date.now();
  const base = createIndicator({ pattern: `[ipv4-addr:value = '${init.value ?? `10.1.${(++counter >> 8) & 255}.${counter & 255}`}']`, pattern_type: 'stix' });
  return parseIndicator({
    ...base,
    ...(init.id ? { id: init.id } : {}),
    created: iso(at),
    modified: init.modified ?? iso(at),
    valid_from: iso(at),
    ...(init.valid_until !== undefined ? { valid_until: iso(init.valid_until) } : {}),
    ...(init.remove ? { x_threatbus_update: 'REMOVE' } : {}),
  });
}

export function sighting(of: Indicator, at = Date.now()): Sighting {
  const s = createSighting({ sighting_of_ref: of.id });
  return { ...s, created: iso(at), modified: iso(at) };
}

export function storeConfig(path: string, config: Partial<StoreConfig> = {}): StoreConfig {
  return validatedConfig(storePlugin, { path, ...config }) as StoreConfig;
}

/** A bus that records nothing and delivers nothing: for a StoreApp driven by the test. */
const detachedBus: AppBus = { publish: async () => {}, subscribe: () => ({}), unsubscribe: () => {} };

export interface DetachedStore {
  app: StoreApp;
  logger: RecordingLogger;
  clock: { now: number };
  /** Give the store a message as the bus would. */
  take(...objs: (Indicator | Sighting)[]): void;
  /** Ask for a snapshot; resolves with what was sent. */
  snapshot(type: MessageType, seconds: number): Promise<(Indicator | Sighting)[]>;
}

export async function detachedStore(path: string, config: Partial<StoreConfig> = {}): Promise<DetachedStore> {
  const logger = recordingLogger();
  const clock = { now: Date.now() };
  let subscriber: { push(m: Indicator | Sighting): void } | undefined;
  const bus: AppBus = { ...detachedBus, subscribe: (_t, s) => ((subscriber = s as typeof subscriber), {}) };
  const app = new StoreApp({ config: storeConfig(path, config), logger, bus, metrics: detachedPluginMetrics('store') } as never, () => clock.now);
  await app.start();
  return {
    app,
    logger,
    clock,
    take: (...objs) => {
      for (const o of objs) subscriber?.push(o);
    },
    snapshot: async (type, seconds) => {
      const sent: (Indicator | Sighting)[] = [];
      const request: SnapshotRequest = { type: 'snapshotrequest', snapshot_type: type, snapshot_id: 'S', snapshot: seconds };
      await app.snapshot(request, { send: async (b) => void sent.push(b) });
      return sent;
    },
  };
}

export const ids = (objs: { id: string }[]): string[] => objs.map((o) => o.id).sort();
