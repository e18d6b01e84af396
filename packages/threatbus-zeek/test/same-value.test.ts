/**
 * Two indicators with the same value (issue 18 item 1): each is its own Intel
 * source in Zeek, a match reports one sighting per indicator, and removing
 * one leaves the other. Runs against the fake Zeek, whose Intel framework
 * model follows Zeek 8's base/frameworks/intel/main.zeek (support/fake-intel.ts);
 * real-zeek.test.ts runs the same steps against a real Zeek.
 */
import type { Sighting } from 'threatbus';
import { domain, startBus } from './support/bus';
import type { Harness } from './support/bus';
import { FakeZeek } from './support/fake-zeek';
import { waitFor } from './support/helpers';

let z: FakeZeek;
let h: Harness;
beforeEach(async () => {
  z = await FakeZeek.start();
  h = await startBus({ endpoints: [{ url: z.url }] });
  await waitFor('the handshake', () => h.app().connections[0]?.isReady === true);
});
afterEach(async () => {
  await h.close();
  await z.close();
});

const sightedRefs = (from = 0): string[] => (h.probe.sightings().slice(from) as Sighting[]).map((s) => s.sighting_of_ref).sort();

test('two indicators sharing a value: one sighting each; removing one leaves the other sighted', async () => {
  const a = domain('Dup.example');
  const b = domain('dup.example');
  await h.probe.publish(a);
  await h.probe.publish(b);
  await waitFor('both in Zeek', () => z.intel.sources('dup.example', 'DOMAIN').length === 2);
  expect(z.intel.sources('dup.example', 'DOMAIN').sort()).toEqual([`threatbus:${a.id}`, `threatbus:${b.id}`].sort());

  expect(z.seen('dup.example', 'DOMAIN').sort()).toEqual([a.id, b.id].sort());
  await waitFor('two sightings', () => h.probe.sightings().length === 2);
  expect(sightedRefs()).toEqual([a.id, b.id].sort());

  await h.probe.publish(domain('dup.example', { id: a.id, x_threatbus_update: 'REMOVE' }));
  await waitFor('the removal in Zeek', () => z.intel.sources('dup.example', 'DOMAIN').length === 1);
  expect(z.intel.sources('dup.example', 'DOMAIN')).toEqual([`threatbus:${b.id}`]);

  expect(z.seen('dup.example', 'DOMAIN')).toEqual([b.id]);
  await waitFor('the third sighting', () => h.probe.sightings().length === 3);
  expect(sightedRefs(2)).toEqual([b.id]);

  // Removing the last one takes the value out; a second REMOVE is harmless.
  await h.probe.publish(domain('dup.example', { id: b.id, x_threatbus_update: 'REMOVE' }));
  await h.probe.publish(domain('dup.example', { id: b.id, x_threatbus_update: 'REMOVE' }));
  await waitFor('both removals in Zeek', () => z.events('Tenzir::intel').length === 5);
  expect(z.seen('dup.example', 'DOMAIN')).toEqual([]);
  expect(z.intel.reporterInfo).toEqual(["Tried to remove non-existing item 'dup.example' (Intel::DOMAIN)."]);
  expect(z.errorsSent).toEqual([]);
});

test('a re-sent indicator keeps one meta record (a snapshot after a reconnect does not double the sightings)', async () => {
  const a = domain('again.example');
  await h.probe.publish(a);
  await h.probe.publish(a);
  await waitFor('both ADDs in Zeek', () => z.events('Tenzir::intel').length === 2);
  expect(z.intel.sources('again.example', 'DOMAIN')).toEqual([`threatbus:${a.id}`]);
  expect(z.seen('again.example', 'DOMAIN')).toEqual([a.id]);
  await waitFor('one sighting', () => h.probe.sightings().length === 1);
});
