/**
 * Tests whose peer (a broker, a binary, an optional package) is missing are
 * reported by jest as SKIPPED, with the reason and how to install the peer,
 * never passed silently. Whether a peer is there is decided synchronously when
 * the test file is collected, so jest knows the skip before anything runs.
 *
 *   const rabbit = needs(RABBITMQ);
 *   rabbit.test('messages flow through the broker', async () => { ... });
 *   // or, when the whole file needs the peer, shadow jest's globals:
 *   const { test, describe, beforeAll, afterAll } = needs(KCAT);
 *
 * With THREATBUS_CI_NO_SKIPS=1 (set by .ci/run) a missing peer is a failing
 * test instead, except for peers marked `mayBeMissingInCI` (a real Zeek, which
 * CI cannot install); tools/summary-reporter.js fails the run on any other skip.
 */
import { spawnSync } from 'node:child_process';

export interface Peer {
  /** What is needed, e.g. "RabbitMQ on 127.0.0.1:5672". */
  name: string;
  /** How to get it, e.g. "apt-get install rabbitmq-server, or run .ci/run". */
  hint: string;
  /** Why it is missing, or undefined when it is there. Called once per test file, at collection. */
  missing: () => string | undefined;
  /** CI may skip it (nothing CI can install provides it). */
  mayBeMissingInCI?: boolean;
}

/** Marker the summary reporter looks for in the names of skips CI accepts. */
export const ALLOWED_IN_CI = '[may be skipped in CI]';

type Body = jest.ProvidesCallback;
type Hook = (fn: jest.ProvidesHookCallback, timeout?: number) => void;
export interface Gate {
  available: boolean;
  test: (name: string, fn: Body, timeout?: number) => void;
  describe: (name: string, fn: () => void) => void;
  beforeAll: Hook;
  afterAll: Hook;
  beforeEach: Hook;
  afterEach: Hook;
}

const noHook: Hook = () => {};

/** jest's test/describe/hooks when the peer is there; skipping (or, in CI, failing) stand-ins when it is not. */
export function needs(peer: Peer): Gate {
  const why = peer.missing();
  if (why === undefined) {
    return { available: true, test: (n, f, t) => test(n, f, t), describe: (n, f) => describe(n, f), beforeAll, afterAll, beforeEach, afterEach };
  }
  const reason = `needs ${peer.name}: ${why}; install: ${peer.hint}`;
  const noSkips = process.env.THREATBUS_CI_NO_SKIPS === '1' && !peer.mayBeMissingInCI;
  const stub = noSkips
    ? (name: string) =>
        test(`${name} (${reason})`, () => {
          throw new Error(`THREATBUS_CI_NO_SKIPS=1 and this test ${reason}`);
        })
    : (name: string) => test.skip(`${name} (skipped: ${reason})${peer.mayBeMissingInCI ? ` ${ALLOWED_IN_CI}` : ''}`, () => {});
  return {
    available: false,
    test: (name) => stub(name),
    describe: (name) => describe(name, () => stub('all tests')),
    beforeAll: noHook,
    afterAll: noHook,
    beforeEach: noHook,
    afterEach: noHook,
  };
}

function commandWorks(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 10_000 });
  return r.status === 0;
}

/** A synchronous TCP probe (a child node process: collection cannot await). */
function tcpOpen(host: string, port: number, timeoutMs = 2000): boolean {
  const script =
    `const s=require('net').connect(${port},${JSON.stringify(host)});` +
    `s.setTimeout(${timeoutMs},()=>process.exit(1));s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));`;
  return commandWorks(process.execPath, ['-e', script]);
}

/** Why `pkg` cannot be loaded (not installed, or its native addon not built), or undefined when it loads. */
function unloadable(pkg: string): string | undefined {
  try {
    require(pkg);
    return undefined;
  } catch (e) {
    const first = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    return `require('${pkg}') fails: ${first.replace(/[.:]$/, '')}`;
  }
}

export const RABBITMQ: Peer = {
  name: 'RabbitMQ on 127.0.0.1:5672 (guest/guest)',
  hint: 'apt-get install rabbitmq-server (or run .ci/run, which installs and starts it)',
  missing: () => (tcpOpen('127.0.0.1', 5672) ? undefined : 'nothing answers on 127.0.0.1:5672'),
};

/** rabbitmqctl that reaches the local broker (tests that force-close connections). */
export const RABBITMQCTL: Peer = {
  name: 'rabbitmqctl for the RabbitMQ on 127.0.0.1:5672',
  hint: 'apt-get install rabbitmq-server and run the tests as a user allowed to use rabbitmqctl (root or rabbitmq)',
  missing: () =>
    !tcpOpen('127.0.0.1', 5672) ? 'nothing answers on 127.0.0.1:5672' : commandWorks('rabbitmqctl', ['-q', 'list_connections', 'pid']) ? undefined : '`rabbitmqctl list_connections` fails',
};

export const KCAT: Peer = {
  name: 'kcat (librdkafka mock Kafka cluster)',
  hint: 'apt-get install kcat',
  missing: () => (commandWorks('kcat', ['-V']) ? undefined : 'no kcat on PATH'),
};

export const PYTHON_ZMQ: Peer = {
  name: 'python3 with pyzmq',
  hint: 'apt-get install python3-zmq',
  missing: () => (commandWorks('/usr/bin/python3', ['-c', 'import zmq']) ? undefined : '/usr/bin/python3 cannot import zmq'),
};

export const NODE_RDKAFKA: Peer = {
  name: 'node-rdkafka',
  hint: 'npm ci at the repository root (a root devDependency; compiles librdkafka, needs g++ make python3)',
  missing: () => unloadable('node-rdkafka'),
};

export const REAL_ZEEK: Peer = {
  name: 'a real Zeek >= 7.2',
  hint: 'THREATBUS_TEST_ZEEK=/path/to/zeek (https://zeek.org/get-zeek/)',
  missing: () => (process.env.THREATBUS_TEST_ZEEK ? undefined : 'THREATBUS_TEST_ZEEK is not set'),
  mayBeMissingInCI: true,
};

/** The npm registry npm is configured for (packing tests install tarballs whose dependencies come from it). */
export const NPM_REGISTRY: Peer = {
  name: 'the npm registry',
  hint: 'network access to the registry npm is configured for (npm config get registry)',
  missing: () => (commandWorks('npm', ['ping', '--no-audit', '--no-fund']) ? undefined : '`npm ping` failed'),
};
