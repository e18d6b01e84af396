// Throughput of the plugin to one subscriber in another process: node bench/zmq-app/throughput.js [N]. Needs a build (npx tsc -b packages/threatbus-zmq-app).
const { startThreatBus, silentLogger, createIndicator } = require('threatbus');
const zmqPlugin = require('threatbus-zmq-app').default;
const zmq = require('zeromq'); const { spawn } = require('child_process');
(async () => {
  const started = await startThreatBus({ config: { plugins: { apps: { zmq: { host: '127.0.0.1', manage: 0, pub: 0, sub: 0 } } } }, plugins: [zmqPlugin], searchRoots: false, logger: silentLogger() });
  const app = started.bus.plugin('zmq');
  const req = new zmq.Request(); req.connect(`tcp://127.0.0.1:${app.ports.manage}`);
  await req.send(JSON.stringify({ action: 'subscribe', topic: 'stix2/indicator' })); const [r] = await req.receive(); const p2p = JSON.parse(r).topic;
  const N = Number(process.argv[2] || 100000);
  const child = spawn(process.execPath, [__dirname + '/consumer.js', app.ports.pub, p2p, N]);
  const out = new Promise(res => { let s = ''; child.stdout.on('data', d => { s += d; if (s.includes('done')) res(s); }); });
  while (app.registry.get(p2p).join !== 'joined') await new Promise(r => setTimeout(r, 5));
  const inds = Array.from({ length: N }, (_, i) => createIndicator({ pattern: `[ipv4-addr:value = '10.${(i>>16)&255}.${(i>>8)&255}.${i&255}']`, pattern_type: 'stix' }));
  const t0 = performance.now();
  for (let i = 0; i < N; i += 1000) { for (let j = i; j < Math.min(N, i + 1000); j++) started.bus.publish(inds[j]); await new Promise(r => setImmediate(r)); }
  const s = await out; const el = (performance.now() - t0) / 1000;
  console.log(`bus -> SUB in another process: ${N} in ${el.toFixed(2)} s = ${Math.round(N / el)}/s (${s.trim()})`);
  req.close(); await started.close();
})();
