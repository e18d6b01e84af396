/**
 * AMQPS: the test broker speaks plain AMQP, so a TLS-terminating relay
 * (a real TLS server with a test CA's certificate) stands in front of it.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BROKER, cleanup, indicator, startBus, tagOf, uniqueName, waitFor, withBroker } from './helpers';

// Every test here needs the broker: skipped, with the reason, without one.
const { test, beforeAll, afterAll } = withBroker;

const dir = join(__dirname, 'fixtures', 'tls');
let server: tls.Server;
let port = 0;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  server = tls.createServer({ key: readFileSync(join(dir, 'server-key.pem')), cert: readFileSync(join(dir, 'server.pem')) }, (client) => {
    const upstream = net.connect(BROKER.port, BROKER.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('amqps with the CA file: connects, verifies the broker, and messages flow', async () => {
  const exchange = uniqueName('tb-tls');
  const suffix = uniqueName('tls');
  const bus = await startBus(exchange, suffix, { port, amqps: true, tls: { ca_file: join(dir, 'ca.pem') } });
  try {
    expect(bus.log.find((l) => l.message.startsWith('RabbitMQ backbone connected'))?.message).toContain(`amqps://guest@127.0.0.1:${port}/`);
    await bus.recorder.bus().publish(indicator('over-tls'));
    await waitFor('message over TLS', () => bus.recorder.received.some((m) => tagOf(m) === 'over-tls'));
  } finally {
    await bus.started.close();
    await cleanup(exchange, exchange, [`threatbus.${suffix}`]);
  }
});

test('amqps without the CA: the unknown certificate is refused at start', async () => {
  await expect(startBus(uniqueName('tb-tls'), uniqueName('tls'), { port, amqps: true })).rejects.toThrow(/^cannot connect to RabbitMQ at amqps:.*(self-signed|unable to verify|certificate)/i);
});

test('amqps to a plain AMQP port fails the start instead of hanging', async () => {
  await expect(startBus(uniqueName('tb-tls'), uniqueName('tls'), { amqps: true, tls: { ca_file: join(dir, 'ca.pem') } })).rejects.toThrow(/^cannot connect to RabbitMQ at amqps:/);
});
