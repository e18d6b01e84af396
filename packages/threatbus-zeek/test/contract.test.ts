/** The Zeek app keeps the app contract (threatbus/testing), against the fake Zeek. */
import { appContract } from 'threatbus/testing';
import plugin from '../src';
import { FakeZeek } from './support/fake-zeek';

appContract(plugin, async () => {
  const zeek = await FakeZeek.start();
  return {
    config: { endpoints: [{ url: zeek.url }], ping_interval: 0, reconnect: { initial_delay: 0.05, max_delay: 0.2 } },
    close: () => zeek.close(),
  };
});
