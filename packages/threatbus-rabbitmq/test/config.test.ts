/**
 * Config: the original's keys and defaults, typos and missing keys reported
 * with their path, the URL alternative, and connection failures at start
 * that say what was wrong.
 */
import { hostname } from 'node:os';
import { applyEnvOverrides, startThreatBus } from 'threatbus';
import { configErrorLines, planBus } from 'threatbus/testing';
import plugin from '../src';
import { buildEndpoint, EndpointError } from '../src/endpoint';
import type { RabbitMqConfig } from '../src/config';
import { BROKER, BROKER_URL, cleanup, indicator, recordingLogger, startBus, tagOf, uniqueName, waitFor, withBroker } from './helpers';
import type { LogLine } from './helpers';

function plan(section: unknown, env?: NodeJS.ProcessEnv) {
  const data: Record<string, unknown> = { plugins: { backbones: { rabbitmq: section }, apps: {} } };
  const envOrigins = env ? applyEnvOverrides(data, env) : new Map<string, string>();
  return planBus({ data, envOrigins }, { plugins: [plugin], searchRoots: false });
}

const problems = (section: unknown): string[] => configErrorLines(() => plan(section));

test('the original keys get the original defaults', () => {
  const p = plan({ host: 'localhost', port: 5672, username: 'guest', password: 'guest' });
  expect(p.backbones[0].config).toEqual({
    host: 'localhost',
    port: 5672,
    username: 'guest',
    password: 'guest',
    vhost: '/',
    exchange_name: 'threatbus',
    durable_exchange: true,
    connect_timeout: 10,
    queue: { name_suffix: hostname(), name_join_symbol: '.', durable: true, auto_delete: false, lazy: true, exclusive: false, max_items: 0 },
    amqps: false,
    tls: { verify_peer: true },
    prefetch: 1000,
    publish_buffer: 10000,
    reconnect: { initial_delay: 0.5, max_delay: 30 },
  });
});

test('an original config.yaml section is accepted as it is, numbers as names included', () => {
  const p = plan({
    host: 'localhost', port: '5672', username: 'guest', password: 'guest', vhost: '/', exchange_name: 'threatbus',
    queue: { name_suffix: 1, name_join_symbol: '-', durable: true, auto_delete: false, lazy: true, exclusive: false, max_items: 100000 },
  });
  const c = p.backbones[0].config as unknown as RabbitMqConfig;
  expect(c.port).toBe(5672);
  expect(c.queue.name_suffix).toBe('1');
});

test('the environment overrides the port, as documented for the original', () => {
  const p = plan({ host: 'localhost', port: 5672, username: 'guest', password: 'guest' }, { THREATBUS_PLUGINS__BACKBONES__RABBITMQ__PORT: '5673' });
  expect((p.backbones[0].config as unknown as RabbitMqConfig).port).toBe(5673);
});

test('missing connection keys, typos and bad values are reported with their path', () => {
  expect(problems({ host: 'localhost' })).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^plugins\.backbones\.rabbitmq\.port: is required/),
      expect.stringMatching(/^plugins\.backbones\.rabbitmq\.username: is required/),
      expect.stringMatching(/^plugins\.backbones\.rabbitmq\.password: is required/),
    ]),
  );
  expect(problems({ ...BROKER, queue: { durabel: true } })).toEqual(["plugins.backbones.rabbitmq.queue.durabel: unknown key (did you mean 'durable'?)"]);
  expect(problems({ ...BROKER, queue: { max_items: -1 } })).toEqual([expect.stringMatching(/^plugins\.backbones\.rabbitmq\.queue\.max_items: must be >= 0/)]);
  expect(problems({ url: 'http://x' })).toEqual([expect.stringMatching(/^plugins\.backbones\.rabbitmq\.url: must match pattern/)]);
});

test('a URL replaces host, port and credentials', () => {
  expect(problems({ url: 'amqps://user:secret@broker.example:5671/prod' })).toEqual([]);
  const config = plan({ url: 'amqps://user:secret@broker.example:5671/prod' }).backbones[0].config as unknown as RabbitMqConfig;
  const e = buildEndpoint(config, 'n');
  expect(e.tls).toBe(true);
  expect(e.display).toBe("amqps://user@broker.example:5671/ vhost 'prod'");
  expect(e.display).not.toContain('secret');
  expect(e.socketOptions).toMatchObject({ servername: 'broker.example', rejectUnauthorized: true, clientProperties: { connection_name: 'n' } });
  // The URL is masked by --print-config, since it may carry a password.
  expect(plugin.secrets).toContain('url');
});

test('an unreadable TLS file fails with the key that names it', () => {
  const config = plan({ ...BROKER, amqps: true, tls: { ca_file: '/nonexistent/ca.pem' } }).backbones[0].config as unknown as RabbitMqConfig;
  expect(() => buildEndpoint(config, 'n')).toThrow(EndpointError);
  expect(() => buildEndpoint(config, 'n')).toThrow(/^tls\.ca_file: cannot read '\/nonexistent\/ca\.pem'/);
});

withBroker.test('wrong credentials fail the start with a clear reason, leaving nothing running', async () => {
  const log: LogLine[] = [];
  await expect(
    startThreatBus({
      config: { plugins: { backbones: { rabbitmq: { ...BROKER, password: 'wrong', queue: { name_suffix: uniqueName('auth') } } }, apps: {} } },
      plugins: [plugin],
      searchRoots: false,
      logger: recordingLogger(log),
    }),
  ).rejects.toThrow(/^RabbitMQ at 127\.0\.0\.1:5672 refused the credentials of user 'guest' \(ACCESS_REFUSED\)$/);
});

withBroker.test('connecting through a URL works against the real broker', async () => {
  const exchange = uniqueName('tb-url');
  const suffix = uniqueName('url');
  const bus = await startBus(exchange, suffix, { url: `${BROKER_URL}/%2F`, host: undefined, port: undefined, username: undefined, password: undefined });
  try {
    expect(bus.log.find((l) => l.message.startsWith('RabbitMQ backbone connected'))?.message).toContain("amqp://guest@127.0.0.1:5672/ vhost '/'");
    await bus.recorder.bus().publish(indicator('via-url'));
    await waitFor('message via URL-configured bus', () => bus.recorder.received.some((m) => tagOf(m) === 'via-url'));
  } finally {
    await bus.started.close();
    await cleanup(exchange, exchange, [`threatbus.${suffix}`]);
  }
});
