/** The MISP app keeps the app contract (threatbus/testing), against the MISP double (intake: ZeroMQ, which connects lazily). */
import { appContract } from 'threatbus/testing';
import mispPlugin from '../src';
import { MispDouble } from './misp-double';

appContract(mispPlugin, async () => {
  const misp = await new MispDouble().start();
  return {
    config: { zmq: { host: '127.0.0.1', port: 9 }, api: { host: misp.url, ssl: false, key: misp.key, timeout: 2, retry_for: 2, retry_delay: 0.05 } },
    close: () => misp.stop(),
  };
});
