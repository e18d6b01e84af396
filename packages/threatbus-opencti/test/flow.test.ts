/**
 * OpenCTI → bus → apps, end to end with real parts: the OpenCTI double's
 * stream feeds the plugin; a zmq app (threatbus-zmq-app's client library,
 * real ZeroMQ sockets) and Zeek (threatbus-zeek against its fake Zeek
 * WebSocket server) receive the indicator, its edit and its removal.
 */
import type { Indicator } from 'threatbus';
import zmqPlugin from 'threatbus-zmq-app';
import { ThreatBusClient } from 'threatbus-zmq-app/client';
import type { ZmqApp } from 'threatbus-zmq-app';
import zeekPlugin from 'threatbus-zeek';
import type { ZeekApp } from '../../threatbus-zeek/src/plugin';
import type { ZeekEvent } from '../../threatbus-zeek/src/messages';
import { FakeZeek } from '../../threatbus-zeek/test/support/fake-zeek';
import { OpenCtiDouble, envelope, indicatorStix } from './opencti-double';
import { startBus, streamOpen, waitFor } from './helpers';

/** The fields of a Tenzir::intel record: ts, id, type, value, operation. */
const intelFields = (e: ZeekEvent): unknown[] => {
  const [record] = e.args;
  if (record.type !== 'vector') throw new Error('intel arg is not a record');
  return record.value.map((f) => ('value' in f ? f.value : null));
};

test('create, update and delete in OpenCTI reach a zmq app and Zeek as add, edit and removal', async () => {
  const octi = await new OpenCtiDouble().start();
  const zeek = await FakeZeek.start();
  const h = await startBus(octi, {}, {
    plugins: [zmqPlugin as never, zeekPlugin as never],
    apps: {
      zmq: { host: '127.0.0.1', manage: 0, pub: 0, sub: 0 },
      zeek: { endpoints: [{ url: zeek.url }], ping_interval: 0, reconnect: { initial_delay: 0.05, max_delay: 0.2 } },
    },
  });
  const zmq = h.test.plugin<ZmqApp>('zmq');
  const zeekApp = h.test.plugin<ZeekApp>('zeek');
  const client = new ThreatBusClient({ endpoint: `127.0.0.1:${zmq.ports!.manage}`, topics: 'stix2/indicator' });
  try {
    const received: Indicator[] = [];
    client.onMessage((m) => {
      if (m.type === 'indicator') received.push(m);
    });
    await client.start();
    await waitFor('Zeek connected', () => zeekApp.connections.every((c) => c.isReady));
    await streamOpen(h);

    const stix = indicatorStix('evil.example');
    octi.emit('create', envelope('create', stix));
    octi.emit('update', envelope('update', { ...stix, name: 'renamed' }, { context: { patch: [], reverse_patch: [{ op: 'replace', path: '/name', value: 'evil.example' }] } }));
    octi.emit('delete', envelope('delete', stix));

    await waitFor('three indicators at the zmq app', () => received.length === 3);
    expect(received.map((i) => [i.id, i.pattern, i.x_threatbus_update ?? 'ADD'])).toEqual([
      [stix.id, stix.pattern, 'ADD'],
      [stix.id, stix.pattern, 'EDIT'],
      [stix.id, stix.pattern, 'REMOVE'],
    ]);
    await waitFor('three intel events at Zeek', () => zeek.events('Tenzir::intel').length === 3);
    expect(zeek.events('Tenzir::intel').map((e) => intelFields(e).slice(1))).toEqual([
      [stix.id, 'DOMAIN', 'evil.example', 'ADD'],
      [stix.id, 'DOMAIN', 'evil.example', 'ADD'],
      [stix.id, 'DOMAIN', 'evil.example', 'REMOVE'],
    ]);
  } finally {
    await client.close();
    await h.closeBus();
    await zeek.close();
    await octi.stop();
  }
  expect(octi.violations).toEqual([]);
});
