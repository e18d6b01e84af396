/** The example plugin, tested the way docs/plugins.md shows: the app contract, then its own behaviour on a real bus. */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIndicator, createSighting, decodeMessage, ErrorCode, isThreatBusError } from 'threatbus';
import { appContract, startTestBus, waitFor } from 'threatbus/testing';
import type { TestBus } from 'threatbus/testing';
import fileSink from '../src';
import type { FileSinkApp } from '../src';

function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'threatbus-file-sink-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

appContract(fileSink, () => {
  const t = tempDir();
  return { config: { path: join(t.dir, 'out.jsonl') }, close: async () => t.remove() };
});

describe('file-sink', () => {
  let tmp: ReturnType<typeof tempDir>;
  let bus: TestBus | undefined;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(async () => {
    await bus?.close();
    bus = undefined;
    tmp.remove();
  });
  const lines = (path: string): string[] => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);

  test('every indicator and sighting becomes one JSON line, decodable back to the message', async () => {
    const path = join(tmp.dir, 'out.jsonl');
    bus = await startTestBus({ plugins: [fileSink], config: { plugins: { apps: { 'file-sink': { path } } } } });
    const indicator = createIndicator({ pattern: "[domain-name:value = 'evil.example']", pattern_type: 'stix' });
    const sighting = createSighting({ sighting_of_ref: indicator.id });
    await bus.probe.publish(indicator);
    await bus.probe.publish(sighting);
    await waitFor('two lines written', () => bus!.plugin<FileSinkApp>('file-sink').written === 2);
    await bus.close();
    expect(lines(path).map((l) => decodeMessage(l))).toEqual([indicator, sighting]);
    expect(bus.logger.has('info', `File sink writing 'stix2' to ${path}`)).toBe(true);
  });

  test('stop writes what is still queued before the file is closed', async () => {
    const path = join(tmp.dir, 'out.jsonl');
    bus = await startTestBus({ plugins: [fileSink], config: { plugins: { apps: { 'file-sink': { path } } } } });
    const sent = Array.from({ length: 200 }, (_, i) => createIndicator({ pattern: `[ipv4-addr:value = '10.0.0.${i % 250}']`, pattern_type: 'stix' }));
    await Promise.all(sent.map((i) => bus!.probe.publish(i)));
    await bus.close();
    expect(lines(path)).toHaveLength(200);
  });

  test('a path that cannot be opened fails the start with one line naming the key', async () => {
    const path = join(tmp.dir, 'missing-dir', 'out.jsonl');
    const error = await startTestBus({ plugins: [fileSink], config: { plugins: { apps: { 'file-sink': { path } } } } }).catch((e: unknown) => e);
    expect(isThreatBusError(error, ErrorCode.CONFIG_INVALID)).toBe(true);
    expect((error as Error).message).toMatch(/^plugins\.apps\.file-sink\.path: cannot open '.*missing-dir.*' for appending: ENOENT/);
  });
});
