/** Ports and peers for tests on 127.0.0.1. */
import { createServer } from 'node:net';
import { spawnSync } from 'node:child_process';

/**
 * A TCP port that was free a moment ago. Another process may take it before
 * the caller binds it; prefer binding port 0 where the code under test allows.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Whether something accepts TCP connections at host:port, answered
 * synchronously so a test file can decide at collection time whether to skip
 * a suite whose peer (e.g. RabbitMQ) is missing:
 *
 *     const d = isReachableSync(5672) ? describe : describe.skip;
 */
export function isReachableSync(port: number, host = '127.0.0.1', timeoutMs = 2000): boolean {
  const probe = `require('node:net').connect(${port}, ${JSON.stringify(host)}).on('connect', () => process.exit(0)).on('error', () => process.exit(1));`;
  const result = spawnSync(process.execPath, ['-e', probe], { timeout: timeoutMs, stdio: 'ignore' });
  return result.status === 0;
}
