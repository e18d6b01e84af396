/**
 * `npm run bench:pipeline`: the bus's own work per MISP notification, in one
 * process, without ZeroMQ and without other processes competing for the
 * cores: JSON.parse of the notification, the whitelist, the mapping to a STIX
 * Indicator, the encoding (Python json.dumps bytes) and the zmq-app frame;
 * and what an app then does with the frame (JSON.parse and validation).
 * End-to-end runs (`npm run bench`) vary by ±30 % on a shared machine; this
 * one is steady enough to compare two builds of the same code.
 *
 *   npm run bench:pipeline              1,000,000 notifications per stage, best of 5 rounds
 *   npm run bench:pipeline -- 200000    fewer
 */
import { performance } from 'node:perf_hooks';
import { encodeMessage, parseIndicator } from 'threatbus';
import type { Indicator } from 'threatbus';
import { isWhitelisted, mapAttribute } from 'threatbus-misp/mapping';
import { MispFrameTemplates } from './misp-attributes';

const RING = 1024; // distinct inputs, cycled (indexing with & (RING - 1))
const ROUNDS = 5;

interface Stage {
  name: string;
  run: (i: number) => unknown;
}

function main(): void {
  const count = Number(process.argv[2] ?? 1_000_000);
  const templates = new MispFrameTemplates(RING, Math.floor(Date.now() / 1000));
  const payloads: string[] = [];
  for (let i = 0; i < RING; i++) {
    const frame = templates.frame(i, process.hrtime.bigint());
    payloads.push(frame.slice(frame.indexOf(' ') + 1));
  }
  const parsed = payloads.map((p) => JSON.parse(p) as { Attribute: unknown; action: unknown });
  const encoded = parsed.map((m) => encodeMessage(mapAttribute(m.Attribute, m.action) as Indicator));
  const p2p = 'abcdefghijklmnopqrstuvwxyzABCDEF';

  const stages: Stage[] = [
    { name: 'JSON.parse of the notification', run: (i) => JSON.parse(payloads[i]) },
    { name: 'whitelist (no filters)', run: (i) => isWhitelisted(parsed[i], []) },
    { name: 'mapping to an Indicator', run: (i) => mapAttribute(parsed[i].Attribute, parsed[i].action) },
    {
      name: 'encoding (a fresh indicator each time)',
      run: (i) => encodeMessage(mapAttribute(parsed[i].Attribute, parsed[i].action) as Indicator),
    },
    {
      name: 'bus total: parse + whitelist + map + encode + frame',
      run: (i) => {
        const m = JSON.parse(payloads[i]) as { Attribute: unknown; action: unknown };
        if (!isWhitelisted(m, [])) return undefined;
        return `${p2p}indicator ${encodeMessage(mapAttribute(m.Attribute, m.action) as Indicator)}`;
      },
    },
    { name: 'app: JSON.parse + validation of the indicator', run: (i) => parseIndicator(JSON.parse(encoded[i])) },
  ];

  const results: { stage: string; ns_per_notification: number }[] = [];
  let sink: unknown;
  for (const stage of stages) {
    let best = Infinity;
    for (let round = 0; round < ROUNDS; round++) {
      const t0 = performance.now();
      for (let k = 0; k < count; k++) sink = stage.run(k & (RING - 1));
      best = Math.min(best, ((performance.now() - t0) * 1e6) / count);
    }
    results.push({ stage: stage.name, ns_per_notification: Math.round(best) });
    console.error(`${stage.name.padEnd(52)} ${Math.round(best).toLocaleString('en').padStart(7)} ns`);
  }
  // Keep the optimiser from dropping the work.
  if (sink === Symbol.for('never')) console.error('');
  // The mapping stage includes no encoding; "encoding" includes a mapping (a cached encoding would measure nothing).
  console.log(JSON.stringify({ count, rounds: ROUNDS, node: process.version, results }));
}

main();
