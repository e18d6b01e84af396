// Counting SUB socket used by throughput.js (runs in its own process).
const zmq = require('zeromq');
(async () => {
  const [port, p2p, N] = process.argv.slice(2);
  const sub = new zmq.Subscriber({ receiveHighWaterMark: 0 }); sub.connect(`tcp://127.0.0.1:${port}`); sub.subscribe(p2p);
  let got = 0; let t0;
  process.stdout.write('ready\n');
  for await (const [f] of sub) { if (got === 0) t0 = performance.now(); if (++got === Number(N)) break; }
  process.stdout.write(`done ${got} ${(performance.now() - t0).toFixed(0)}\n`); sub.close();
})();
