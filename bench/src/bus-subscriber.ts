/**
 * A zmq app subscribed to `stix2/indicator` through the client library, as
 * vast-threatbus or the OpenCTI connector would be. Reads each indicator's
 * send time back from its id (see misp-attributes.ts) and reports latency
 * percentiles. Ends when `count` indicators arrived, or when stdin closes
 * (the orchestrator saw no progress: the rest is lost).
 */
import { writeFileSync } from 'node:fs';
import { ThreatBusClient } from 'threatbus-zmq-app/client';
import type { ClientCurveKeys } from 'threatbus-zmq-app/client';
import { childOptions, emit, nowNs, readyUntilStdinEnds, runChild } from './child-io';
import { LatencyRecorder } from './latency';
import { readTimedUuid, WARMUP_SEQ } from './misp-attributes';

interface Options { manage: number; count: number; curve?: ClientCurveKeys }

async function main(): Promise<void> {
  const o = childOptions<Options>();
  const client = new ThreatBusClient({ endpoint: `127.0.0.1:${o.manage}`, topics: 'stix2/indicator', queueSize: o.count + 1, highWaterMark: 0, curve: o.curve });
  const latency = new LatencyRecorder(o.count);
  let finished = false;
  const finish = async () => {
    if (finished) return;
    finished = true;
    clearInterval(progress);
    // BENCH_LATENCY_DUMP=<file>: every latency sample (µs, arrival order), one per line.
    if (process.env.BENCH_LATENCY_DUMP) writeFileSync(process.env.BENCH_LATENCY_DUMP, Array.from(latency.raw()).join('\n') + '\n');
    emit('done', { received: latency.count, firstNs: String(latency.firstNs), lastNs: String(latency.lastNs), latency_us: latency.summary() });
    await client.close();
    process.exit(0);
  };
  client.onMessage((m) => {
    const now = nowNs();
    if (m.type !== 'indicator') return;
    const t = readTimedUuid(m.id);
    if (t && t.seq < WARMUP_SEQ) latency.record(t.nanos, now);
    if (latency.count >= o.count) void finish();
  });
  const progress = setInterval(() => emit('progress', { received: latency.count }), 500);
  await client.start();
  readyUntilStdinEnds(client.p2pTopic, finish);
}

runChild(main);
