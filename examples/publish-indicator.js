#!/usr/bin/env node
// A Threat Bus app that publishes one STIX-2.1 indicator and exits. With the
// bus running (`npm start`) and examples/subscribe.js listening:
//
//   node examples/publish-indicator.js ["[ipv4-addr:value = '6.6.6.6']"] [host:port]
//
// In your own project: `npm install threatbus threatbus-zmq-app` and copy this file.
'use strict';
const { createIndicator } = require('threatbus');
const { ThreatBusClient } = require('threatbus-zmq-app/client');

const pattern = process.argv[2] ?? "[ipv4-addr:value = '6.6.6.6']";
const endpoint = process.argv[3] ?? process.env.THREATBUS_ENDPOINT ?? 'localhost:13370';
const giveUpAfterS = Number(process.env.THREATBUS_TIMEOUT_S ?? 15);

async function main() {
  // Publishing also goes through a subscription: the bus's reply names the ports to use.
  const client = new ThreatBusClient({ endpoint, topics: 'stix2/sighting', snapshot: 0, requestTimeoutMs: 5000 });
  const started = client.start();
  // start() retries until the bus answers; give up after a while so a typo in the endpoint does not hang.
  const timeout = setTimeout(() => {
    console.error(`publish-indicator: no answer from Threat Bus at ${endpoint} (is it running? npm start)`);
    process.exit(1);
  }, giveUpAfterS * 1000);
  await started;
  clearTimeout(timeout);
  // createIndicator validates the pattern and fills id, created and modified.
  const indicator = createIndicator({ pattern, pattern_type: 'stix' });
  await client.publishIndicator(indicator);
  // close() flushes what is still queued before it unsubscribes.
  await client.close();
  console.log(`published indicator ${indicator.id} ${indicator.pattern}`);
}

main().catch((e) => {
  console.error(`publish-indicator: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
