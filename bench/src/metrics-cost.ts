/**
 * What counting costs per message (docs/observability.md): the metrics
 * calls a plugin makes on its hot path, in one process, without the bus,
 * ZeroMQ or other processes. Compare with `npm run bench:pipeline`'s "bus
 * total" (the bus's own work per MISP notification).
 *
 *   npx tsc -b bench && node bench/dist/metrics-cost.js            10,000,000 calls per stage, best of 5 rounds
 *   npx tsc -b bench && node bench/dist/metrics-cost.js 1000000    fewer
 */
import { performance } from 'node:perf_hooks';
import { BusMetrics } from 'threatbus';

const ROUNDS = 5;

function main(): void {
  const count = Number(process.argv[2] ?? 10_000_000);
  const metrics = new BusMetrics({ processMetrics: false });
  const view = metrics.forPlugin('misp');
  const own = view.counter('threatbus_bench_results_total', 'bench', ['result']);
  let depth = 0;
  view.queueDepth(() => depth);
  const stages: { name: string; run: () => void }[] = [
    { name: 'nothing (loop overhead)', run: () => {} },
    { name: 'messageIn / messageOut (bound series)', run: () => view.messageOut('indicator') },
    { name: 'dropped(reason) (label lookup)', run: () => view.dropped('filtered') },
    { name: "own counter inc({result}) (label lookup)", run: () => own.inc({ result: 'ok' }) },
    { name: 'queue depth read at scrape time (a field update)', run: () => void depth++ },
    { name: 'queue depth as a gauge set per message', run: () => view.queueDepth(depth++) },
  ];
  const results: { stage: string; ns_per_call: number }[] = [];
  for (const stage of stages) {
    let best = Infinity;
    for (let round = 0; round < ROUNDS; round++) {
      const t0 = performance.now();
      for (let k = 0; k < count; k++) stage.run();
      best = Math.min(best, ((performance.now() - t0) * 1e6) / count);
    }
    results.push({ stage: stage.name, ns_per_call: Math.round(best * 10) / 10 });
    console.error(`${stage.name.padEnd(52)} ${best.toFixed(1).padStart(7)} ns`);
  }
  console.log(JSON.stringify({ count, rounds: ROUNDS, node: process.version, results }));
}

main();
