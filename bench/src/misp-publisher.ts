/**
 * Stands in for MISP's ZeroMQ publisher. MISP binds a PUB socket; this binds
 * an XPUB (identical on the wire) so it can see when the bus's SUB socket has
 * subscribed and start sending only then (ZeroMQ drops what a PUB sends
 * before a subscriber is connected: the "slow joiner").
 */
import { XPublisher } from 'zeromq';
import { childOptions, emit, nowNs } from './child-io';
import { MispFrameTemplates, WARMUP_SEQ } from './misp-attributes';

interface Options {
  port: number;
  count: number;
  /** Messages per second; 0 = as fast as possible. */
  rate: number;
  /** How many subscriptions to wait for (the bus, and in the ceiling run the raw subscriber). */
  subscribers: number;
  /** Frames sent (as fast as possible) before the measured run; receivers ignore them. */
  warmup?: number;
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
  // No await per message: a send ZeroMQ can queue at once completes synchronously. Only when
  // one had to wait does the next throw EBUSY (synchronously, frame not taken): then wait for
  // it and send again.
  const send = async (frame: string): Promise<void> => {
    try {
      last = sock.send(frame);
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'EBUSY') throw e;
      await last;
      last = sock.send(frame);
    }
    last.catch(failed);
  };
  /** The common case without creating a promise per frame; returns one only when the send had to wait. */
  const sendNow = (frame: string): Promise<void> | undefined => {
    try {
      last = sock.send(frame);
      last.catch(failed);
      return undefined;
    } catch {
      return send(frame);
    }
  };
  if (o.warmup) {
    for (let i = 0; i < o.warmup; i++) {
      const frame = templates.frame(WARMUP_SEQ + i, nowNs());
      const waiting = sendNow(frame);
      if (waiting) await waiting;
    }
    await last;
    // Let the bus and the receivers work off the warm-up before the clock starts.
    await new Promise((r) => setTimeout(r, 1500));
    emit('warm', { frames: o.warmup });
  }
  const started = nowNs();
  const interval = o.rate > 0 ? 1e9 / o.rate : 0;
  for (let seq = 0; seq < o.count; seq++) {
    if (interval > 0) {
      // Paced: send what is due, then sleep until the next is due (timers tick by the
      // millisecond, so frames go out in small bursts at the right average rate). A busy-wait
      // would take a whole core from the bus on a 2-core machine.
      const due = started + BigInt(Math.round(seq * interval));
      while (nowNs() < due) await new Promise((r) => setTimeout(r, 1));
    }
    const frame = templates.frame(seq, nowNs());
    const waiting = sendNow(frame);
    if (waiting) await waiting;
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
