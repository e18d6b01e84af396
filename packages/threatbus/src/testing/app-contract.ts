/**
 * `appContract`: the rules every app plugin keeps (plugin.ts), as one suite
 * each app runs with a config that points it at its peers' doubles:
 *
 * - stop is safe without start, and twice;
 * - start resolves once running; stop releases what start took, so a fresh
 *   instance with the same config starts again;
 * - subscribers never throw into the bus, whatever message type arrives;
 * - `snapshot`, when the app has one, resolves and sends only bodies of the
 *   requested type.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import type { AppBus, AppContext, AppPluginDefinition } from '../plugin';
import type { Message } from '../messages';
import { MessageType, createSnapshotEnvelope, createSnapshotRequest } from '../messages';
import { createIndicator, createSighting } from '../stix/create';
import type { Indicator, Sighting } from '../stix/types';
import { recordingLogger } from './logger';
import { startTestBus } from './test-bus';
import type { TestBus } from './test-bus';
import { waitFor } from './wait';
import { contractDescribe } from './suite-globals';
import type { ContractOptions } from './suite-globals';
import { basePluginContext, validatedConfig } from './plugin-context';

/** The app's config for one test, pointing at doubles the factory started. */
export interface AppSetup {
  /** The app's config section, before validation (defaults are filled in). */
  config: unknown;
  /** Stop the doubles; called after each test, once the app stopped. */
  close?(): Promise<void>;
}

export type AppSetupFactory = () => AppSetup | Promise<AppSetup>;

/** A bus that takes everything and delivers nothing: for creating an app outside a bus. */
function detachedBus(): AppBus {
  return { publish: async () => {}, subscribe: () => ({}), unsubscribe: () => {} };
}

export function appContract<C>(definition: AppPluginDefinition<C>, setup: AppSetupFactory, options: ContractOptions = {}): void {
  contractDescribe(`app contract: ${definition.name}`, options, ({ it, beforeEach, afterEach }) => {
    let s: AppSetup;
    let buses: TestBus[] = [];
    const start = async () => {
      const t = await startTestBus({ plugins: [definition as AppPluginDefinition<never>], config: { plugins: { apps: { [definition.name]: s.config } } } });
      buses.push(t);
      return t;
    };

    beforeEach(async () => {
      s = await setup();
      buses = [];
    });
    afterEach(async () => {
      for (const t of buses) await t.close();
      await s.close?.();
    });

    it('stop without start does not throw', async () => {
      const ctx = { ...basePluginContext(definition.name, validatedConfig(definition, s.config), recordingLogger()), bus: detachedBus() } as AppContext<C>;
      await definition.create(ctx).stop();
    });

    it('starts, stops, stops again; a fresh instance on the same config starts again', async () => {
      const first = await start();
      const app = first.plugin<{ stop(): Promise<void> }>(definition.name);
      await app.stop();
      await app.stop();
      await first.close();
      const second = await start();
      await second.close();
    });

    it('takes every message type from the bus without a subscriber failing', async () => {
      const t = await start();
      const indicator = createIndicator({ pattern: "[ipv4-addr:value = '192.0.2.7']", pattern_type: 'stix' });
      const sighting = createSighting({ sighting_of_ref: indicator.id });
      const id = randomUUID();
      const messages: Message[] = [indicator, sighting, createSnapshotRequest(MessageType.SIGHTING, id, 1), createSnapshotEnvelope(MessageType.INDICATOR, id, indicator)];
      for (const m of messages) await t.probe.publish(m);
      // The probe subscribed before the app published anything; once it has the last one, the app had its chance too.
      await waitFor('the probe got the sighting', () => t.probe.sightings().some((x) => x.id === sighting.id));
      assert.equal(t.logger.has('error', 'A subscriber failed to take a message'), false, 'a subscriber of the app threw');
    });

    it('snapshot, if implemented, resolves and sends only bodies of the requested type', async () => {
      const t = await start();
      const app = t.plugin<{ snapshot?: (r: ReturnType<typeof createSnapshotRequest>, reply: { send(b: Indicator | Sighting): Promise<void> }) => Promise<void> }>(definition.name);
      if (app.snapshot === undefined) return;
      assert.equal(typeof app.snapshot, 'function');
      for (const type of [MessageType.INDICATOR, MessageType.SIGHTING]) {
        const sent: (Indicator | Sighting)[] = [];
        await app.snapshot(createSnapshotRequest(type, randomUUID(), 60), { send: async (b) => void sent.push(b) });
        const wanted = type === MessageType.INDICATOR ? 'indicator' : 'sighting';
        assert.deepEqual(sent.filter((b) => b.type !== wanted), [], `snapshot of type ${type} sent other bodies`);
      }
    });
  });
}
