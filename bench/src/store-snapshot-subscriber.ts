/**
 * A zmq app that subscribes with a snapshot and counts what arrives: the
 * receiving end of the store's 1M-indicator snapshot benchmark. Reports
 * when it asked (subscribe sent) and when the last expected indicator came.
 */
import { ThreatBusClient } from 'threatbus-zmq-app/client';
import { childOptions, emit, nowNs, readyUntilStdinEnds, runChild } from './child-io';

interface Options { manage: number; count: number; days: number }

async function main(): Promise<void> {
  const o = childOptions<Options>();
  const client = new ThreatBusClient({ endpoint: `127.0.0.1:${o.manage}`, topics: 'stix2/indicator', snapshot: o.days, queueSize: o.count + 1, highWaterMark: 0 });
  const ids = new Set<string>();
  let duplicates = 0;
  let firstNs: bigint | undefined;
  let finished = false;
  const finish = async () => {
    if (finished) return;
    finished = true;
    clearInterval(progress);
    emit('done', { received: ids.size, duplicates, startNs: String(startNs), firstNs: String(firstNs ?? 0n), lastNs: String(nowNs()) });
    await client.close();
    process.exit(0);
  };
  client.onMessage((m) => {
    if (m.type !== 'indicator') return;
    firstNs ??= nowNs();
    if (ids.has(m.id)) duplicates++;
    else ids.add(m.id);
    if (ids.size >= o.count) void finish();
  });
  const progress = setInterval(() => emit('progress', { received: ids.size }), 500);
  const startNs = nowNs();
  await client.start();
  readyUntilStdinEnds(client.p2pTopic, finish);
}

runChild(main);
