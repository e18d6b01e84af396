// Why the zmq app's XPUB is in manual mode (docs/reliability.md, "Hostile input and limits"): a SUB on the empty prefix
// that never reads, one normal SUB, 40,000 frames of ~640 bytes, pub_hwm 1000. Run: node bench/zmq-app/xpub-stuck-subscriber.mjs [manual]
// automatic: the sender is refused (EAGAIN) once the stuck pipe is full; it gives up after 10 s.
import { XPublisher, Subscriber } from 'zeromq';
const manual = process.argv[2] === 'manual';
class M extends XPublisher { apply(p){ this.setStringOption(6,p);} }
const pub = new M({ linger:0, noDrop:true, sendTimeout:0, sendHighWaterMark:1000, manual });
await pub.bind('tcp://127.0.0.1:*'); const ep = pub.lastEndpoint; const topic='a'.repeat(32);
(async () => { for await (const [ev] of pub) { const p = ev.subarray(1); if (manual && ev[0]===1 && p.length>=32) pub.apply(p); } })();
const stuck = new Subscriber({ receiveHighWaterMark: 1000 }); stuck.connect(ep); stuck.subscribe('');
const good = new Subscriber({ receiveHighWaterMark: 1000 }); good.connect(ep); good.subscribe(topic);
let got = 0; (async () => { for await (const [m] of good) got++; })();
await new Promise(r=>setTimeout(r,300));
const N=40000, pad='x'.repeat(600); let sent=0; const t0=Date.now();
outer: for (let i=0;i<N;i++) { for(;;) { try { await pub.send(topic+'indicator {"i":'+i+',"pad":"'+pad+'"}'); sent++; break; } catch(e){ if(Date.now()-t0>10000) break outer; await new Promise(r=>setTimeout(r,1)); } } }
await new Promise(r=>setTimeout(r,1000));
console.log(JSON.stringify({ mode: manual?'manual':'automatic', sent, got, of: N }));
process.exit(0);
