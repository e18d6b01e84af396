/** The RabbitMQ backbone keeps the backbone contract (threatbus/testing), on a fresh exchange per test. */
import { backboneContract } from 'threatbus/testing';
import plugin from '../src';
import { queueName } from '../src/config';
import { BROKER, cleanup, uniqueName, withBroker } from './helpers';

backboneContract(
  plugin,
  () => {
    const exchange = uniqueName('tb-contract');
    const suffixes = [uniqueName('c0'), uniqueName('c1')];
    return {
      shared: true,
      config: (n: number) => ({
        ...BROKER,
        exchange_name: exchange,
        reconnect: { initial_delay: 0.2, max_delay: 2 },
        queue: { name_suffix: suffixes[n], durable: false, auto_delete: true },
      }),
      close: () => cleanup(exchange, exchange, suffixes.map((s) => queueName({ name_join_symbol: '.', name_suffix: s }))),
    };
  },
  { skip: withBroker.available ? undefined : `needs RabbitMQ on ${BROKER.host}:${BROKER.port} (apt-get install rabbitmq-server, or run .ci/run)` },
);
