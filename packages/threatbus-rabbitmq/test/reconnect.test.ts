/**
 * Losing RabbitMQ: connections closed by force on the broker, and a broker
 * that is unreachable for a while (a TCP relay in front of the real broker
 * that we cut and restore). The backbone reconnects with backoff, buffers
 * what is published meanwhile (bounded), and loses nothing.
 */
import * as net from 'node:net';
import { queueName } from '../src/config';
import { PublishBufferFullError } from '../src/publisher';
import { BROKER, cleanup, closeConnections, indicator, startBus, tagOf, uniqueName, waitFor, withBroker } from './helpers';
import type { LogLine, TestBus } from './helpers';

// Every test here needs the broker: skipped, with the reason, without one.
const { test, describe, beforeAll, afterAll } = withBroker;

/** A TCP relay to the real broker that can be cut (all sockets destroyed, port refusing) and restored on the same port. */
class Relay {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  async up(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(BROKER.port, BROKER.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => {
          this.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const lines = (log: LogLine[], level: string, re: RegExp) => log.filter((l) => l.level === level && re.test(l.message));

describe('connections closed by force on the broker (rabbitmqctl close_connection)', () => {
  const exchange = uniqueName('tb-forced');
  const suffix = uniqueName('forced');
  let bus: TestBus;

  beforeAll(async () => {
    // Durable, not auto-delete: the queue (and its binding) must outlive the consumer's connection.
    bus = await startBus(exchange, suffix, { queue: { durable: true, auto_delete: false } });
  });
  afterAll(async () => {
    await bus?.started.close();
    await cleanup(exchange, exchange, [queueName({ name_join_symbol: '.', name_suffix: suffix })]);
  });

  test('both connections come back, the log says so, and messages published around the outage all arrive', async () => {
    await bus.recorder.bus().publish(indicator('before'));
    await waitFor('message before the outage', () => bus.recorder.received.length === 1);

    expect(await closeConnections(`threatbus.${suffix} `)).toBe(2);
    // Publish right away: the client may not even have noticed yet; the messages must still arrive.
    const during = Array.from({ length: 20 }, (_, i) => indicator(`during${i}`));
    const confirmed = Promise.all(during.map((m) => bus.recorder.bus().publish(m)));

    await waitFor('both connections back', () => lines(bus.log, 'info', /^RabbitMQ (publisher|consumer) connection back/).length === 2);
    await confirmed;
    await waitFor('all messages of the outage', () => during.every((m) => bus.recorder.received.some((r) => tagOf(r) === tagOf(m))));

    expect(lines(bus.log, 'warn', /^RabbitMQ publisher connection lost: .*CONNECTION_FORCED/)).toHaveLength(1);
    expect(lines(bus.log, 'warn', /^RabbitMQ consumer connection lost: .*CONNECTION_FORCED/)).toHaveLength(1);
    // Messages of one publisher keep their order, also across the reconnect (a resent one may repeat).
    const tags = bus.recorder.received.map(tagOf).filter((t) => t.startsWith('during'));
    const firsts = tags.filter((t, i) => tags.indexOf(t) === i);
    expect(firsts).toEqual(during.map(tagOf));

    await bus.recorder.bus().publish(indicator('after'));
    await waitFor('message after the outage', () => bus.recorder.received.some((m) => tagOf(m) === 'after'));
  });
});

describe('broker unreachable for a while', () => {
  const exchange = uniqueName('tb-outage');
  const suffix = uniqueName('outage');
  const relay = new Relay();
  let bus: TestBus;

  beforeAll(async () => {
    await relay.up();
    bus = await startBus(exchange, suffix, {
      port: relay.port,
      publish_buffer: 10,
      reconnect: { initial_delay: 0.05, max_delay: 0.2 },
      queue: { durable: true, auto_delete: false },
    });
  });
  afterAll(async () => {
    await bus?.started.close();
    await relay.down();
    await cleanup(exchange, exchange, [queueName({ name_join_symbol: '.', name_suffix: suffix })]);
  });

  test('publishes wait in a bounded buffer while the broker is away and go out, in order, once it is back', async () => {
    await relay.down();
    await waitFor('both connections lost', () => lines(bus.log, 'warn', /^RabbitMQ (publisher|consumer) connection lost/).length === 2);
    // Let a few reconnect attempts fail (connection refused).
    await waitFor('failed reconnect attempts', () => lines(bus.log, 'debug', /reconnect attempt \d+ failed/).length >= 4);

    const results: string[] = [];
    const buffered = Array.from({ length: 10 }, (_, i) => indicator(`buf${i}`));
    const confirmed = buffered.map((m) => bus.recorder.bus().publish(m).then(() => results.push(tagOf(m))));
    // The eleventh does not fit: rejected at once, not queued without bound.
    await expect(bus.recorder.bus().publish(indicator('overflow'))).rejects.toBeInstanceOf(PublishBufferFullError);
    expect(lines(bus.log, 'warn', /publish buffer full/)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(results).toEqual([]); // nothing confirmed while the broker is away

    await relay.up();
    await Promise.all(confirmed);
    expect(results).toEqual(buffered.map(tagOf));
    await waitFor('buffered messages delivered', () => bus.recorder.received.length >= 10);
    expect(bus.recorder.received.map(tagOf)).toEqual(buffered.map(tagOf));
    expect(lines(bus.log, 'info', /^RabbitMQ (publisher|consumer) connection back after/)).toHaveLength(2);
  });
});
