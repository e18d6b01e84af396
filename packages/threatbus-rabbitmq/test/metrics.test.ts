/**
 * The RabbitMQ backbone's metrics (docs/observability.md): peer `amqp`
 * follows the connections (a connection killed on the broker flips
 * peer_up to 0 and /readyz to 503 until the backbone reconnected), what the
 * broker confirmed counts as messages_out, what came back from the queue as
 * messages_in. Needs rabbitmqctl to kill the connections: skipped without it.
 */
import { metricValue } from 'threatbus/testing';
import { queueName } from '../src/config';
import { RABBITMQCTL, needs } from '../../../tools/peers';
import { cleanup, closeConnections, indicator, startBus, uniqueName, waitFor } from './helpers';
import type { TestBus } from './helpers';

const { test, describe, afterEach } = needs(RABBITMQCTL);

describe('rabbitmq backbone metrics', () => {
  let bus: TestBus | undefined;
  let exchange = '';
  let suffix = '';
  afterEach(async () => {
    await bus?.started.close();
    bus = undefined;
    await cleanup(exchange, exchange, [queueName({ name_join_symbol: '.', name_suffix: suffix })]);
  });

  test('a killed connection flips peer_up and readiness until the backbone reconnects; out and in count the messages', async () => {
    exchange = uniqueName('tbmetrics');
    suffix = uniqueName('m');
    // 1 s before reconnecting: time enough to see the down state on a loaded machine.
    bus = await startBus(exchange, suffix, { reconnect: { initial_delay: 1, max_delay: 2 } });
    const metrics = bus.started.bus.metrics;
    const peerUp = () => metricValue(metrics, 'threatbus_peer_up', { plugin: 'rabbitmq', peer: 'amqp' });
    expect(await peerUp()).toBe(1);
    expect(metrics.health.readiness().ready).toBe(true);

    for (let i = 0; i < 5; i++) await bus.recorder.publish(indicator(`m${i}`));
    await waitFor('5 back from the broker', () => bus!.recorder.received.length === 5);
    expect(await metricValue(metrics, 'threatbus_messages_out_total', { plugin: 'rabbitmq', type: 'indicator' })).toBe(5);
    expect(await metricValue(metrics, 'threatbus_messages_in_total', { plugin: 'rabbitmq', type: 'indicator' })).toBe(5);
    expect(await metricValue(metrics, 'threatbus_queue_depth', { plugin: 'rabbitmq' })).toBe(0);

    // This test's connections only: other suites share the broker.
    expect(await closeConnections(`threatbus.${suffix} `)).toBe(2);
    // peer_up and readiness are read in the same turn.
    let waiting = '';
    await waitFor('amqp down', async () => {
      const down = (await peerUp()) === 0;
      const readiness = metrics.health.readiness();
      if (down && !readiness.ready) waiting = readiness.plugins.rabbitmq;
      return down && !readiness.ready;
    });
    expect(waiting).toMatch(/amqp: reconnecting since \d+ s/);
    await waitFor('amqp back', async () => (await peerUp()) === 1, 20_000);
    expect(metrics.health.readiness().ready).toBe(true);
  });
});
