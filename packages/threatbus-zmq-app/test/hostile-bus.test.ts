/**
 * A whole bus under hostile input (issue 13, "what done looks like"): inmem
 * backbone + zmq app + MISP over ZeroMQ (with the MISP REST double). Random
 * TCP bytes, frames without the REQ delimiter, over-size frames and deeply
 * nested JSON on the management, p2p and MISP sockets; afterwards the bus
 * still answers management requests and still delivers a MISP attribute to
 * a zmq app, end to end.
 */
import { createServer, connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Dealer, Publisher } from 'zeromq';
import { recordingLogger, startTestBus } from 'threatbus/testing';
import type { TestBus as KitTestBus } from 'threatbus/testing';
import zmqPlugin from '../src';
import type { ZmqApp } from '../src';
import mispPlugin from '../../threatbus-misp/src';
import { MispDouble } from '../../threatbus-misp/test/misp-double';
import { notification, uuid } from '../../threatbus-misp/test/helpers';
import { request, requestJson, rawPublisher, rawSubscriber, waitFor } from './helpers';

const MAX = 64 * 1024;
const deepJson = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

function sendTcp(port: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.write(bytes, () => setTimeout(() => s.destroy(), 20)));
    s.on('error', () => resolve());
    s.on('close', () => resolve());
  });
}

/** A "MISP" that answers every connection with random bytes and hangs up. */
async function garbageServer(): Promise<{ server: Server; port: number; connections: () => number }> {
  let n = 0;
  const server = createServer((s: Socket) => {
    n++;
    s.on('error', () => undefined);
    // Hang up ourselves: a peer that took the bytes for a ZMTP 1.0 greeting would keep the connection open.
    s.write(randomBytes(64 + ((n * 7919) % 8192)), () => setTimeout(() => s.destroy(), 20));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, connections: () => n };
}

test('random bytes, no-delimiter, over-size and deeply nested frames on every socket: the bus still answers and delivers', async () => {
  const misp = await new MispDouble().start();
  const garbage = await garbageServer();
  const logger = recordingLogger();
  let bus: KitTestBus | undefined;
  let mispPub: Publisher | undefined;
  const closers: (() => void)[] = [];
  try {
    bus = await startTestBus({
      config: {
        plugins: {
          apps: {
            zmq: { host: '127.0.0.1', manage: 0, pub: 0, sub: 0, max_message_size: MAX },
            misp: { zmq: { host: '127.0.0.1', port: garbage.port, max_message_size: MAX }, api: { host: misp.url, ssl: false, key: misp.key } },
          },
        },
      },
      plugins: [zmqPlugin, mispPlugin],
      probe: false,
      logger,
    });
    const app = bus.plugin<ZmqApp>('zmq');
    const ports = app.ports!;
    const manage = `tcp://127.0.0.1:${ports.manage}`;

    // MISP's side: random bytes on every (re)connection of the intake.
    await waitFor('the intake to get garbage three times', () => garbage.connections() >= 3, 15_000);

    // The zmq app's sockets.
    for (const port of [ports.manage, ports.pub, ports.sub]) {
      for (let i = 0; i < 30; i++) await sendTcp(port, randomBytes(1 + ((i * 4099) % 16384)));
    }
    const dealer = new Dealer({ linger: 0 });
    closers.push(() => dealer.close());
    dealer.connect(manage);
    await dealer.send('hello');
    await expect(request(manage, 'x'.repeat(MAX + 1), 300)).rejects.toThrow();
    expect(JSON.parse(await request(manage, `{"action": "subscribe", "topic": ${deepJson(20_000)}}`)).status).toBe('error');
    const appPub = rawPublisher(ports.sub);
    closers.push(() => appPub.close());
    await waitFor('a deeply nested indicator from an app to be refused', async () => {
      await appPub.send(`stix2/indicator {"type": "indicator", "x_deep": ${deepJson(15_000)}}`);
      return app.counters.inbound_dropped >= 1;
    });
    await appPub.send('stix2/indicator {"type": "indicator"');
    await waitFor('a truncated indicator to be refused', () => app.counters.inbound_dropped >= 2);
    await appPub.send('stix2/indicator ' + 'x'.repeat(MAX + 1));

    // Now a real MISP publisher on the same port; first more hostile frames from it.
    await new Promise<void>((r) => garbage.server.close(() => r()));
    mispPub = new Publisher({ linger: 0 });
    const pub = mispPub;
    await waitFor('the MISP port to be free again', async () => pub.bind(`tcp://127.0.0.1:${garbage.port}`).then(() => true, () => false));
    const mispFrame = (n: unknown) => `misp_json_attribute ${JSON.stringify(n)}`;

    // Still answers: subscribe an app, connect it.
    const reply = await requestJson(manage, { action: 'subscribe', topic: 'stix2/indicator' });
    expect(reply.status).toBe('success');
    const sub = rawSubscriber(ports.pub, reply.topic as string);
    closers.push(() => sub.socket.close());
    await waitFor('the app to join', () => app.registry!.get(reply.topic as string)?.join === 'joined');

    // Hostile frames from "MISP" once the intake is connected (the first good attribute arrives).
    const first = uuid();
    await waitFor('the intake to connect to MISP', async () => {
      await pub.send(mispFrame(notification({ uuid: first, value: 'connected.example' })));
      return sub.frames.some((f) => f.includes(`indicator--${first}`));
    }, 20_000, 100);
    await pub.send('misp_json_attribute_but_no_space');
    await pub.send(`misp_json_attribute {"Attribute": ${deepJson(20_000)}}`);
    await pub.send('misp_json_attribute {bad json');
    // Over max_message_size: ZeroMQ drops the connection for good; the intake notices and reconnects.
    await pub.send('misp_json_attribute ' + 'x'.repeat(MAX + 1));
    await waitFor('the intake to replace its socket', () => logger.has('warn', /ZeroMQ dropped the connection to MISP/), 10_000);
    const id = uuid();
    await waitFor('a MISP attribute at the zmq app, end to end', async () => {
      await pub.send(mispFrame(notification({ uuid: id, value: 'still-delivers.example' })));
      return sub.frames.some((f) => f.includes(`indicator--${id}`));
    }, 20_000, 100);
    expect(logger.has('error', /Skipping ZeroMQ message that is not/)).toBe(true);
    expect(app.counters.causes['management.framing']).toBeGreaterThanOrEqual(1);
    expect(app.counters.inbound_dropped).toBeGreaterThanOrEqual(2);
    // Nothing hostile reached the "unexpected" paths.
    expect(logger.records.filter((r) => /unexpected|Unhandled|failed; dropped it/.test(r.message))).toEqual([]);
  } finally {
    for (const c of closers) c();
    mispPub?.close();
    garbage.server.close();
    await bus?.close();
    await misp.stop();
  }
}, 60_000);
