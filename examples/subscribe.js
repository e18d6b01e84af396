#!/usr/bin/env node
// A Threat Bus app that subscribes to indicators and prints each one as it
// arrives. Run the bus first (`npm start` in the repository), then:
//
//   node examples/subscribe.js [host:port]      (default localhost:13370, the zmq-app's manage port)
//
// In your own project: `npm install threatbus threatbus-zmq-app` and copy this file.
'use strict';
const { ThreatBusClient } = require('threatbus-zmq-app/client');

const endpoint = process.argv[2] ?? process.env.THREATBUS_ENDPOINT ?? 'localhost:13370';

async function main() {
  // snapshot: 0 = no history, only what is published from now on.
  const client = new ThreatBusClient({ endpoint, topics: 'stix2/indicator', snapshot: 0 });
  client.on('subscribed', ({ p2pTopic }) => console.log(`subscribed to stix2/indicator at ${endpoint} (p2p topic ${p2pTopic}); Ctrl-C stops`));
  client.on('disconnected', (why) => console.error(`Threat Bus lost (${why}); resubscribing`));
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void client.close());
  await client.start();
  // Ends when close() is called.
  for await (const message of client) {
    if (message.type === 'indicator') console.log(`indicator ${message.id} ${message.pattern}`);
  }
}

main().catch((e) => {
  console.error(`subscribe: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
