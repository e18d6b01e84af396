/**
 * The transport ceiling: a plain ZeroMQ SUB reading the same MISP frames
 * straight from the publisher, no bus in between. It does the minimum a
 * consumer must do (find the uuid, take the time).
 */
import { Subscriber } from 'zeromq';
import { childOptions, emit, nowNs } from './child-io';
import { LatencyRecorder } from './latency';
import { readTimedUuid, WARMUP_SEQ } from './misp-attributes';

interface Options { port: number; count: number }

async function main(): Promise<void> {
  const o = childOptions<Options>();
  const sock = new Subscriber({ receiveHighWaterMark: 0 });
  sock.connect(`tcp://127.0.0.1:${o.port}`);
  sock.subscribe('misp_json_attribute');
  emit('ready');
  const latency = new LatencyRecorder(o.count);
  for await (const [frame] of sock) {
    const now = nowNs();
    const text = frame.toString();
    const at = text.indexOf('"uuid":"');
    const t = readTimedUuid(text.slice(at + 8, at + 8 + 36));
    if (t && t.seq < WARMUP_SEQ) latency.record(t.nanos, now);
    if (latency.count >= o.count) break;
  }
  emit('done', { received: latency.count, firstNs: String(latency.firstNs), lastNs: String(latency.lastNs), latency_us: latency.summary() });
  sock.close();
}

main().catch((e) => {
  emit('error', { message: String(e) });
  process.exit(1);
});
