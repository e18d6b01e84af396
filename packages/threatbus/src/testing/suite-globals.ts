/**
 * The test runner's `describe`/`it`/hooks, taken from globals when a suite is
 * defined (jest, vitest with globals, mocha), so nothing here needs a test
 * runner at runtime. Assertions use node:assert, not the runner's `expect`.
 */
type Body = () => unknown;

export interface SuiteGlobals {
  describe: ((name: string, body: () => void) => void) & { skip(name: string, body: () => void): void };
  it: (name: string, body: Body, timeoutMs?: number) => void;
  beforeEach: (body: Body, timeoutMs?: number) => void;
  afterEach: (body: Body, timeoutMs?: number) => void;
}

export function suiteGlobals(): SuiteGlobals {
  const g = globalThis as unknown as Partial<SuiteGlobals>;
  for (const name of ['describe', 'it', 'beforeEach', 'afterEach'] as const) {
    if (typeof g[name] !== 'function') throw new Error(`contract suites run inside a test runner: the global '${name}' is missing`);
  }
  return g as SuiteGlobals;
}

export interface ContractOptions {
  /** Skip the whole suite, saying why (decided at collection time, e.g. "no RabbitMQ at 127.0.0.1:5672"). */
  skip?: string;
}

/** `describe` or, with a reason, `describe.skip` with the reason in the title. */
export function contractDescribe(title: string, options: ContractOptions, body: (g: SuiteGlobals) => void): void {
  const g = suiteGlobals();
  if (options.skip) g.describe.skip(`${title} (skipped: ${options.skip})`, () => body(g));
  else g.describe(title, () => body(g));
}
