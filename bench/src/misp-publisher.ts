/**
 * Stands in for MISP's ZeroMQ publisher. MISP binds a PUB socket; this binds
 * an XPUB (identical on the wire) so it can see when the bus's SUB socket has
 * subscribed and start sending only then (ZeroMQ drops what a PUB sends
 * before a subscriber is connected: the "slow joiner").
 */
import { XPublisher } from 'zeromq';
import { childOptions, emit, nowNs } from './child-io';
import { MispFrameTemplates } from './misp-attributes';

interface Options {
  port: number;
  count: number;
  /** Messages per second; 0 = as fast as possible. */
  rate: number;
  /** How many subscriptions to wait for (the bus, and in the ceiling run the raw subscriber). */
  subscribers: number;
}

async function main(): Promise<void> {
  const o = childOptions<Options>();
  const sock = new XPublisher({ sendHighWaterMark: 0, linger: 5000 });
  await sock.bind(`tcp://127.0.0.1:${o.port}`);
  emit('bound', { port: o.port });
  let subscribed = 0;
  while (subscribed < o.subscribers) {
    const [frame] = await sock.receive();
    if (frame[0] === 1) subscribed++;
  }
  emit('subscribed');
  // Start only when the orchestrator says so (its subscribers are connected), then give the
  // subscription a moment to settle.
  await new Promise<void>((resolve) => {
    process.stdin.on('data', (d: Buffer) => {
      if (d.toString().includes('go')) resolve();
    });
  });
  await new Promise((r) => setTimeout(r, 100));
  const templates = new MispFrameTemplates(Math.min(o.count, 65_536), Math.floor(Date.now() / 1000));
  const failed = (e: unknown) => {
    emit('error', { message: String(e) });
    process.exit(1);
  };
  let last: Promise<void> = Promise.resolve();
  const started = nowNs();
  const interval = o.rate > 0 ? 1e9 / o.rate : 0;
  for (let seq = 0; seq < o.count; seq++) {
    if (interval > 0) {
      const due = started + BigInt(Math.round(seq * interval));
      // Busy-wait for sub-millisecond pacing; sleep when far ahead.
      for (let now = nowNs(); now < due; now = nowNs()) {
        if (due - now > 2_000_000n) await new Promise((r) => setTimeout(r, 1));
      }
    }
    const frame = templates.frame(seq, nowNs());
    // No await per message: a send ZeroMQ can queue at once completes synchronously. Only when
    // one had to wait does the next throw EBUSY (synchronously, frame not taken): then wait for
    // it and send again.
    try {
      last = sock.send(frame);
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'EBUSY') throw e;
      await last;
      last = sock.send(frame);
    }
    last.catch(failed);
  }
  await last;
  emit('sent', { count: o.count, seconds: Number(nowNs() - started) / 1e9, startNs: String(started) });
  // Keep the socket until the orchestrator is done, so nothing queued is lost.
  process.stdin.on('end', () => {
    sock.close();
    process.exit(0);
  });
}

main().catch((e) => {
  emit('error', { message: String(e) });
  process.exit(1);
});
