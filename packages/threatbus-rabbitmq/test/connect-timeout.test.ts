/**
 * A port that accepts TCP but never speaks AMQP (a wrong port, a stuck
 * broker, a firewall that accepts and holds): the start fails after
 * `connect_timeout` with one line naming the address, instead of hanging
 * (issue 13.8). A silent TCP server on a free port plays the broker.
 */
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { startThreatBus } from 'threatbus';
import plugin from '../src';
import { recordingLogger, waitFor } from './helpers';

let server: Server;
let port: number;
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    // Read everything, answer nothing.
    s.resume();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

function start(section: Record<string, unknown>) {
  return startThreatBus({
    config: { plugins: { backbones: { rabbitmq: { host: '127.0.0.1', port, username: 'guest', password: 'guest', queue: { name_suffix: 'silent' }, ...section } }, apps: {} } },
    plugins: [plugin],
    searchRoots: false,
    logger: recordingLogger(),
  });
}

test('a silent port fails the start after connect_timeout with one clear line', async () => {
  const began = Date.now();
  const error = await start({ connect_timeout: 0.5 }).then(
    () => undefined,
    (e: unknown) => e as Error & { code?: string },
  );
  expect(error?.message).toBe(`RabbitMQ at 127.0.0.1:${port} did not answer the AMQP handshake within 0.5 s`);
  expect(error?.code).toBe('TB_PEER_UNREACHABLE');
  expect(Date.now() - began).toBeLessThan(8_000);
  // The connection to the silent server was given up, not left open.
  await waitFor('the connection to the silent server closed', () => sockets.size === 0, 5_000);
});

test('a refused TCP connection is one line too', async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const free = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  await expect(start({ port: free, connect_timeout: 2 })).rejects.toThrow(`RabbitMQ at 127.0.0.1:${free} refused the TCP connection (is RabbitMQ running there?)`);
});
