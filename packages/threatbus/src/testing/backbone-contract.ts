/**
 * `backboneContract`: the rules every backbone keeps (plugin.ts), as one
 * suite each backbone runs (as Aedes's persistence backends run
 * `abstract.js`):
 *
 * - start/stop: stop is safe without start and twice; publish outside
 *   start..stop rejects instead of hanging or throwing synchronously;
 * - deliveries start at `onBusReady` (or at start, without one), and what was
 *   published before is then delivered, not lost;
 * - `publish` resolves once the backbone accepted the message, and every
 *   message then reaches `deliver` of every instance on the medium exactly
 *   once, unchanged, in publish order per publisher;
 * - `deliver` is synchronous (the suite's, like the core's, returns when the
 *   message is handed out), called with one message at a time.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import type { BackboneContext, BackbonePlugin, BackbonePluginDefinition } from '../plugin';
import type { Message } from '../messages';
import { MessageType, createSnapshotEnvelope, createSnapshotRequest } from '../messages';
import { encodeMessage } from '../wire/codec';
import { createIndicator, createSighting } from '../stix/create';
import { recordingLogger } from './logger';
import type { RecordingLogger } from './logger';
import { waitFor } from './wait';
import { contractDescribe } from './suite-globals';
import type { ContractOptions } from './suite-globals';
import { basePluginContext, validatedConfig } from './plugin-context';

/** Where backbone instances meet: e.g. one RabbitMQ exchange. A fresh one per test. */
export interface BackboneMedium {
  /** Config section of instance `n` (0, 1, ...) on this medium, before validation (defaults are filled in). */
  config(n: number): unknown;
  /** Whether instances on one medium exchange messages (RabbitMQ); false for a process-local backbone (inmem). */
  shared: boolean;
  /** Remove what the medium left behind (exchanges, queues); called after each test, once its instances stopped. */
  close?(): Promise<void>;
}

export type BackboneMediumFactory = () => BackboneMedium | Promise<BackboneMedium>;

/** One backbone instance driven like the bus drives it, recording what it delivers. */
class Instance {
  readonly delivered: Message[] = [];
  readonly logger: RecordingLogger;
  readonly plugin: BackbonePlugin;
  ready = false;
  /** Set when deliver was called before onBusReady (for a backbone that has one). */
  earlyDelivery = false;

  constructor(definition: BackbonePluginDefinition<never>, config: unknown, label: string) {
    this.logger = recordingLogger([], label);
    const ctx = {
      ...basePluginContext(definition.name, validatedConfig(definition, config), this.logger),
      deliver: (m: Message) => {
        if (!this.ready && this.plugin.onBusReady) this.earlyDelivery = true;
        this.delivered.push(m);
      },
    } as BackboneContext<never>;
    this.plugin = definition.create(ctx);
  }

  async start(ready = true): Promise<void> {
    await this.plugin.start();
    if (ready) this.busReady();
  }

  busReady(): void {
    this.ready = true;
    this.plugin.onBusReady?.();
  }

  ids(): string[] {
    return this.delivered.map(idOf);
  }
}

let serial = 0;
function marker(tag: string): Message {
  return createIndicator({ pattern: `[domain-name:value = '${tag}-${serial++}.contract.example']`, pattern_type: 'stix' });
}

/** An identity for every message type: the STIX id, or the snapshot id plus the body's id. */
function idOf(m: Message): string {
  if (m.type === 'snapshotrequest') return `request:${m.snapshot_id}`;
  if (m.type === 'snapshotenvelope') return `envelope:${m.snapshot_id}:${m.body.id}`;
  return m.id;
}

/** Wait until `inst` delivered `last`, then check each of `expected` arrived exactly once, in this order. */
async function expectDelivered(inst: Instance, expected: Message[], what: string): Promise<void> {
  const last = idOf(expected[expected.length - 1]);
  await waitFor(`${what}: the last message delivered`, () => inst.ids().includes(last));
  const wanted = new Set(expected.map(idOf));
  const got = inst.ids().filter((id) => wanted.has(id));
  assert.deepEqual(got, expected.map(idOf), `${what}: each message exactly once, in publish order`);
}

export function backboneContract<C>(
  definition: BackbonePluginDefinition<C>,
  medium: BackboneMediumFactory,
  options: ContractOptions = {},
): void {
  contractDescribe(`backbone contract: ${definition.name}`, options, ({ it, beforeEach, afterEach }) => {
    let m: BackboneMedium;
    let instances: Instance[] = [];
    const open = (n: number) => {
      const inst = new Instance(definition as BackbonePluginDefinition<never>, m.config(n), `threatbus.${definition.name}${n}`);
      instances.push(inst);
      return inst;
    };

    beforeEach(async () => {
      m = await medium();
      instances = [];
    });
    afterEach(async () => {
      for (const inst of instances) await inst.plugin.stop();
      await m.close?.();
    });

    it('stop without start does not throw', async () => {
      await open(0).plugin.stop();
    });

    it('starts, stops, and a second stop does not throw', async () => {
      const a = open(0);
      await a.start();
      await a.plugin.stop();
      await a.plugin.stop();
    });

    it('publish before start and after stop rejects (no hang, no synchronous throw)', async () => {
      const a = open(0);
      await assert.rejects(a.plugin.publish(marker('early')));
      await a.start();
      await a.plugin.stop();
      await assert.rejects(a.plugin.publish(marker('late')));
    });

    it('every message type reaches deliver unchanged, exactly once', async () => {
      const a = open(0);
      await a.start();
      const indicator = createIndicator({ pattern: "[ipv4-addr:value = '192.0.2.1']", pattern_type: 'stix', name: 'contract' });
      const sighting = createSighting({ sighting_of_ref: indicator.id });
      const id = randomUUID();
      const sent: Message[] = [indicator, sighting, createSnapshotRequest(MessageType.INDICATOR, id, 60), createSnapshotEnvelope(MessageType.SIGHTING, id, sighting)];
      for (const msg of sent) await a.plugin.publish(msg);
      const end = marker('end');
      await a.plugin.publish(end);
      await expectDelivered(a, [...sent, end], 'one instance');
      const got = new Map(a.delivered.map((d) => [idOf(d), d]));
      for (const msg of sent) assert.equal(encodeMessage(got.get(idOf(msg)) as Message), encodeMessage(msg), `${msg.type} changed on the way`);
    });

    it('publish resolves once accepted; many concurrent publishes arrive once each, in order', async () => {
      const a = open(0);
      await a.start();
      const sent = Array.from({ length: 100 }, (_, i) => marker(`burst${i}`));
      await Promise.all(sent.map((msg) => a.plugin.publish(msg)));
      await expectDelivered(a, sent, 'burst');
    });

    it('deliveries start at onBusReady; messages published before are delivered then', async () => {
      const a = open(0);
      const b = m.shared ? open(1) : a;
      await a.start(b !== a);
      if (b !== a) await b.start(false);
      const before = [marker('before-ready')];
      await a.plugin.publish(before[0]);
      if (b !== a) await waitFor('the publisher delivered its own message', () => a.ids().includes(idOf(before[0])));
      assert.equal(b.earlyDelivery, false, 'deliver was called before onBusReady');
      b.busReady();
      const after = marker('after-ready');
      await a.plugin.publish(after);
      await expectDelivered(b, [...before, after], 'instance becoming ready');
    });

    it('each instance gets every message on the medium once (only its own, when not shared)', async () => {
      const a = open(0);
      const b = open(1);
      await a.start();
      await b.start();
      const fromA = Array.from({ length: 20 }, (_, i) => marker(`a${i}`));
      const fromB = Array.from({ length: 20 }, (_, i) => marker(`b${i}`));
      await Promise.all([...fromA.map((msg) => a.plugin.publish(msg)), ...fromB.map((msg) => b.plugin.publish(msg))]);
      // A final message per publisher, sent after the others were accepted: once it arrived, a duplicate would have too.
      const endA = marker('endA');
      const endB = marker('endB');
      await Promise.all([a.plugin.publish(endA), b.plugin.publish(endB)]);
      for (const [inst, label] of [[a, 'a'], [b, 'b']] as const) {
        const own = label === 'a' ? [...fromA, endA] : [...fromB, endB];
        const other = label === 'a' ? [...fromB, endB] : [...fromA, endA];
        await expectDelivered(inst, own, `instance ${label}, its own messages`);
        if (m.shared) await expectDelivered(inst, other, `instance ${label}, the other's messages`);
        else assert.equal(inst.ids().filter((id) => other.some((o) => idOf(o) === id)).length, 0, `instance ${label} got another instance's messages on a process-local backbone`);
        assert.equal(new Set(inst.ids()).size, inst.delivered.length, `instance ${label} got a message twice`);
      }
    });
  });
}
