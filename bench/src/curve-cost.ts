/**
 * `npx tsc -b bench && node bench/dist/curve-cost.js [N] [ROUNDS]`: the CPU
 * CURVE adds per frame, without the bus: N frames of the size of a MISP
 * indicator as the zmq-app sends it (~600 bytes) from a PUB to a SUB socket
 * in this process (ZeroMQ's I/O thread included in the process's CPU time),
 * plain and with CURVE, alternating ROUNDS times. The difference is one
 * encryption (sender) plus one decryption (receiver) per frame; the bus pays
 * one of the two per frame and connection.
 */
import { curveKeyPair, Publisher, Subscriber } from 'zeromq';

async function round(n: number, curve: boolean): Promise<{ cpuUs: number; seconds: number }> {
  const server = curveKeyPair();
  const client = curveKeyPair();
  const pub = new Publisher({ linger: 0, sendHighWaterMark: 0, ...(curve ? { curveServer: true, curveSecretKey: server.secretKey } : {}) });
  const sub = new Subscriber({ linger: 0, receiveHighWaterMark: 0, ...(curve ? { curveServerKey: server.publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey } : {}) });
  await pub.bind('tcp://127.0.0.1:*');
  sub.connect(pub.lastEndpoint as string);
  sub.subscribe('');
  // Wait until the subscription has reached the publisher (a probe frame arrives).
  const probe = (async () => void (await sub.receive()))();
  while (!(await Promise.race([probe.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10))]))) await pub.send('probe');
  const frame = Buffer.alloc(600, 'x');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const receiving = (async () => {
    for (let i = 0; i < n; i++) await sub.receive();
  })();
  for (let i = 0; i < n; i++) await pub.send(frame);
  await receiving;
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - t0) / 1000;
  pub.close();
  sub.close();
  return { cpuUs: (cpu.user + cpu.system) / n, seconds };
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 200_000);
  const rounds = Number(process.argv[3] ?? 3);
  await round(20_000, false); // warm-up
  for (let r = 1; r <= rounds; r++) {
    for (const curve of [false, true]) {
      const { cpuUs, seconds } = await round(n, curve);
      console.log(`round ${r} ${curve ? 'curve' : 'plain'}: ${n} frames of 600 bytes, ${cpuUs.toFixed(2)} µs CPU per frame, ${Math.round(n / seconds).toLocaleString('en')} frames/s`);
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
