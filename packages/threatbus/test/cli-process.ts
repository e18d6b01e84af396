/** Running the built `threatbus` command as a child process, for the CLI tests. */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess, SpawnSyncReturns } from 'node:child_process';
import { resolve } from 'node:path';
import { waitFor } from '../src/testing/wait';

export const ROOT = resolve(__dirname, '../../..');
export const CLI = resolve(__dirname, '../dist/cli.js');
/** The test runner's environment without THREATBUS_* variables (they would change the config). */
export const cleanEnv: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('THREATBUS_')));

export function runCli(args: string[], cwd = ROOT, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], { cwd, env: { ...cleanEnv, ...env }, encoding: 'utf8', timeout: 20_000 });
}

export interface RunningCli {
  child: ChildProcess;
  /** Everything written to stderr (the console log) so far. */
  stderr(): string;
  /** Resolves with the exit code once the process exited and its output is complete. */
  exited: Promise<number | null>;
  waitForLog(text: string | RegExp, timeoutMs?: number): Promise<void>;
}

/** Start `node <script> ...args` and collect its stderr. */
export function startProcess(script: string, args: string[], cwd = ROOT, env: NodeJS.ProcessEnv = {}): RunningCli {
  const child = spawn(process.execPath, [script, ...args], { cwd, env: { ...cleanEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.resume();
  // 'close' (not 'exit'): every holder of the pipes is gone, so the output is complete.
  const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  let done = false;
  void exited.then(() => (done = true));
  const has = (t: string | RegExp) => (typeof t === 'string' ? stderr.includes(t) : t.test(stderr));
  return {
    child,
    stderr: () => stderr,
    exited,
    waitForLog: (text, timeoutMs = 20_000) =>
      waitFor(`${String(text)} in the output`, () => {
        if (has(text)) return true;
        if (done) throw new Error(`process ended without logging ${String(text)}:\n${stderr}`);
        return false;
      }, timeoutMs),
  };
}

export function startCli(args: string[], cwd = ROOT, env: NodeJS.ProcessEnv = {}): RunningCli {
  return startProcess(CLI, args, cwd, env);
}
