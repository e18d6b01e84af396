/**
 * The transport ceiling of the bus's topology: two ZeroMQ hops through a
 * Node process that does nothing but pass frames on (SUB from the MISP
 * publisher → XPUB to the raw subscriber), as the bus's own sockets do.
 * The bus can at best reach this; the difference to it is the bus's work.
 */
import { Subscriber, XPublisher } from 'zeromq';
import { childOptions, emit } from './child-io';

interface Options { from: number; port: number }

async function main(): Promise<void> {
  const o = childOptions<Options>();
  const out = new XPublisher({ sendHighWaterMark: 0 });
  await out.bind(`tcp://127.0.0.1:${o.port}`);
  const sub = new Subscriber({ receiveHighWaterMark: 0 });
  sub.connect(`tcp://127.0.0.1:${o.from}`);
  sub.subscribe('misp_json_attribute');
  emit('bound', { port: o.port });
  // Wait for the raw subscriber before taking frames, so none are dropped.
  await out.receive();
  emit('ready');
  let last: Promise<void> = Promise.resolve();
  for await (const [frame] of sub) {
    // Same send discipline as the bench publisher: no await unless ZeroMQ has to wait.
    try {
      last = out.send(frame);
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'EBUSY') throw e;
      await last;
      last = out.send(frame);
    }
  }
}

main().catch((e) => {
  emit('error', { message: String(e) });
  process.exit(1);
});
