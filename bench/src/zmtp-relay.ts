/**
 * A measurement, not a component: the relay ceiling (`raw-relay.ts`) without
 * zeromq.js in the relay. The relay speaks ZMTP 3.0 (RFC 23, NULL security)
 * itself over plain Node sockets — SUB towards the MISP publisher, PUB
 * towards the subscriber, both real libzmq peers — and moves frames in
 * batches: one socket read yields many frames, one write sends many.
 * Comparing it with `ceiling-relay-*` shows what zeromq.js's
 * one-promise-per-message API costs on the bus's two hops, i.e. what a
 * ZeroMQ path of our own could gain. It handles what this benchmark needs:
 * one upstream, subscribers with prefix subscriptions (ZMTP 3.0 style
 * messages or 3.1 SUBSCRIBE commands), PING → PONG; no reconnection, no
 * high-water marks.
 */
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { childOptions, emit } from './child-io';

interface Options { from: number; port: number }

const FLAG_MORE = 1;
const FLAG_LONG = 2;
const FLAG_COMMAND = 4;

function greeting(): Buffer {
  const g = Buffer.alloc(64);
  g[0] = 0xff;
  g[8] = 1; // as libzmq writes it (a ZMTP 1.0 length of 1)
  g[9] = 0x7f;
  g[10] = 3; // major
  g[11] = 0; // minor: 3.0, so libzmq sends subscriptions as messages
  g.write('NULL', 12, 'latin1');
  return g;
}

function frameHeader(flags: number, size: number): Buffer {
  if (size < 256) return Buffer.from([flags, size]);
  const h = Buffer.alloc(9);
  h[0] = flags | FLAG_LONG;
  h.writeBigUInt64BE(BigInt(size), 1);
  return h;
}

function readyCommand(socketType: string): Buffer {
  const name = Buffer.from('Socket-Type', 'latin1');
  const value = Buffer.from(socketType, 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(value.length);
  const body = Buffer.concat([Buffer.from([5]), Buffer.from('READY', 'latin1'), Buffer.from([name.length]), name, len, value]);
  return Buffer.concat([frameHeader(FLAG_COMMAND, body.length), body]);
}

/**
 * One side of a ZMTP connection, in libzmq's own order: the 10-byte
 * signature; the rest of the greeting once the peer's signature is in; READY
 * (and what the caller queued) once the peer's whole greeting is in. (libzmq
 * 4.3 stalled when the rest of the greeting and READY came in one segment.)
 * Then frames, one callback per frame.
 */
class ZmtpConnection {
  private pending: Buffer = Buffer.alloc(0);
  private signatureSeen = false;
  private greeted = false;

  constructor(
    private readonly socket: Socket,
    private readonly socketType: string,
    /** Sent right after READY (e.g. a subscription). */
    private readonly afterReady: Buffer,
    private readonly onFrame: (flags: number, body: Buffer) => void,
  ) {
    socket.setNoDelay(true);
    socket.write(greeting().subarray(0, 10));
    socket.on('data', (chunk: Buffer) => this.push(chunk));
  }

  private push(chunk: Buffer): void {
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    if (!this.greeted) {
      if (!this.signatureSeen && buf.length >= 10) {
        this.signatureSeen = true;
        this.socket.write(greeting().subarray(10));
      }
      if (buf.length < 64) { this.pending = buf; return; }
      this.greeted = true;
      this.socket.write(Buffer.concat([readyCommand(this.socketType), this.afterReady]));
      at = 64;
    }
    for (;;) {
      if (buf.length - at < 2) break;
      const flags = buf[at];
      const long = (flags & FLAG_LONG) !== 0;
      const headerSize = long ? 9 : 2;
      if (buf.length - at < headerSize) break;
      const size = long ? Number(buf.readBigUInt64BE(at + 1)) : buf[at + 1];
      if (buf.length - at - headerSize < size) break;
      this.onFrame(flags, buf.subarray(at + headerSize, at + headerSize + size));
      at += headerSize + size;
    }
    this.pending = buf.subarray(at);
  }
}

function commandName(body: Buffer): string {
  return body.toString('latin1', 1, 1 + body[0]);
}

/** Answers PING with PONG (echoing the context), as ZMTP 3.1 heartbeats require. */
function answerPing(socket: Socket, body: Buffer): void {
  const context = body.subarray(1 + body[0] + 2);
  const pong = Buffer.concat([Buffer.from([4]), Buffer.from('PONG', 'latin1'), context]);
  socket.write(Buffer.concat([frameHeader(FLAG_COMMAND, pong.length), pong]));
}

/** One subscriber connection: its prefixes and a write batch flushed once per turn of the event loop. */
class Downstream {
  readonly prefixes: Buffer[] = [];
  private batch: Buffer[] = [];
  private scheduled = false;

  constructor(readonly socket: Socket) {}

  wants(message: Buffer): boolean {
    return this.prefixes.some((p) => message.length >= p.length && message.compare(p, 0, p.length, 0, p.length) === 0);
  }

  send(message: Buffer): void {
    this.batch.push(frameHeader(0, message.length), message);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const out = Buffer.concat(this.batch);
    this.batch = [];
    this.socket.write(out);
  };
}

async function main(): Promise<void> {
  const o = childOptions<Options>();
  const downstreams: Downstream[] = [];
  let firstSubscription: () => void = () => undefined;
  const subscribed = new Promise<void>((resolve) => (firstSubscription = resolve));

  const server = createServer((socket) => {
    const d = new Downstream(socket);
    downstreams.push(d);
    new ZmtpConnection(socket, 'PUB', Buffer.alloc(0), (flags, body) => {
      if (flags & FLAG_COMMAND) {
        const name = commandName(body);
        if (name === 'SUBSCRIBE') { d.prefixes.push(Buffer.from(body.subarray(1 + body[0]))); firstSubscription(); }
        else if (name === 'PING') answerPing(socket, body);
        return;
      }
      // ZMTP 3.0 subscription messages: 0x01 + prefix (subscribe), 0x00 + prefix (unsubscribe).
      if (body[0] === 1) { d.prefixes.push(Buffer.from(body.subarray(1))); firstSubscription(); }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => downstreams.splice(downstreams.indexOf(d), 1));
  });
  await new Promise<void>((r) => server.listen(o.port, '127.0.0.1', r));
  emit('bound', { port: o.port });
  await subscribed;

  const upstream = connect(o.from, '127.0.0.1');
  const subscribe = Buffer.concat([Buffer.from([1]), Buffer.from('misp_json_attribute', 'latin1')]);
  let multipart = false;
  new ZmtpConnection(upstream, 'SUB', Buffer.concat([frameHeader(0, subscribe.length), subscribe]), (flags, body) => {
    if (flags & FLAG_COMMAND) {
      if (commandName(body) === 'PING') answerPing(upstream, body);
      return;
    }
    // This benchmark's frames are single-part; further parts of a multipart message are not relayed.
    const isFirst = !multipart;
    multipart = (flags & FLAG_MORE) !== 0;
    if (!isFirst) return;
    // A view into the socket's chunk: Node does not reuse a chunk once it was emitted.
    for (const d of downstreams) if (d.wants(body)) d.send(body);
  });
  upstream.on('error', (e) => emit('error', { message: String(e) }));
  emit('ready');
}

main().catch((e) => {
  emit('error', { message: String(e) });
  process.exit(1);
});
