/**
 * Running external commands (the VAST/Tenzir binary, transform_context and
 * sink commands) without a shell: argv only, stdin optional, output captured,
 * an optional timeout that terminates the child.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

export interface Command {
  file: string;
  args: string[];
  /** Extra environment variables for the child (merged over the parent's). */
  env?: Record<string, string>;
}

export interface RunResult {
  /** Exit code; null when killed by a signal or when the binary could not be started. */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  spawnError?: Error;
}

export interface RunOptions {
  stdin?: string;
  /** Seconds; 0 or absent = no limit. */
  timeoutS?: number;
  /** Called when the run is aborted from outside (app shutdown). */
  signal?: AbortSignal;
}

export function describeCommand(c: Command): string {
  return [c.file, ...c.args].map((a) => (/[\s"'\\]/.test(a) || a === '' ? JSON.stringify(a) : a)).join(' ');
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Where `file` would be run from, as spawn looks it up: a name with a slash
 * as it is (relative to the working directory), any other name on PATH.
 * `searched` says where it looked, for the error line when it is not found.
 */
export function findExecutable(file: string, pathVar = process.env.PATH ?? ''): { found?: string; searched: string } {
  if (file.includes('/') || isAbsolute(file)) {
    const full = resolve(file);
    return { found: isExecutableFile(full) ? full : undefined, searched: full };
  }
  const dirs = pathVar.split(delimiter).filter((d) => d !== '');
  const found = dirs.map((d) => join(d, file)).find(isExecutableFile);
  return { found, searched: `PATH=${dirs.join(delimiter)}` };
}

function spawnOptions(c: Command): SpawnOptions {
  return { env: c.env ? { ...process.env, ...c.env } : process.env, stdio: ['pipe', 'pipe', 'pipe'] };
}

/** Terminate a child: SIGTERM, then SIGKILL if it does not go within a second. */
export function terminate(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const t = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, 1000);
  t.unref();
  child.once('exit', () => clearTimeout(t));
}

/** Run to completion, collecting stdout and stderr (both read while running, so no pipe deadlock: spec/quirks.md F7). */
export function run(c: Command, options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(c.file, c.args, spawnOptions(c));
    } catch (e) {
      resolve({ code: null, stdout: '', stderr: '', timedOut: false, spawnError: e as Error });
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let spawnError: Error | undefined;
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      spawnError = e;
    });
    // EPIPE when the child does not read its stdin is not our problem.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.stdin ?? '');
    const timer = options.timeoutS && options.timeoutS > 0
      ? setTimeout(() => {
          timedOut = true;
          terminate(child);
        }, options.timeoutS * 1000)
      : undefined;
    const onAbort = () => terminate(child);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        spawnError,
      });
    });
  });
}

/** Start a long-running process whose stdout is consumed line by line. */
export function spawnLines(c: Command, onLine: (line: string) => void): { child: ChildProcess; done: Promise<RunResult> } {
  const child = spawn(c.file, c.args, spawnOptions(c));
  child.stdin?.on('error', () => {});
  child.stdin?.end();
  let buffered = '';
  const err: Buffer[] = [];
  let spawnError: Error | undefined;
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).trimEnd();
      buffered = buffered.slice(nl + 1);
      if (line) onLine(line);
    }
  });
  child.stderr?.on('data', (b: Buffer) => err.push(b));
  child.on('error', (e) => {
    spawnError = e;
  });
  const done = new Promise<RunResult>((resolve) => {
    child.on('close', (code) => {
      const rest = buffered.trimEnd();
      if (rest) onLine(rest);
      resolve({ code, stdout: '', stderr: Buffer.concat(err).toString('utf8'), timedOut: false, spawnError });
    });
  });
  return { child, done };
}
