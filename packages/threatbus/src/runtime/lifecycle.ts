/**
 * How the `threatbus` process lives and dies (docs/deployment.md):
 *
 * - It runs until told to stop, whatever is configured: a config without
 *   apps holds no socket, and Node would otherwise exit 0 right after
 *   "Threat Bus ready" (issue 12.1).
 * - It does not outlive the process that started it. `npm exec`/`npx` does
 *   not forward SIGTERM, so `kill <pid of npx>` used to leave the bus running
 *   as an orphan holding its ports. The bus polls its parent pid: when it
 *   changes (the kernel re-parents an orphan to init or to the nearest
 *   subreaper), the parent is gone and the bus shuts down gracefully.
 *   Polling was chosen over the alternatives because it works however the
 *   bus was started: an IPC channel exists only when the parent asked for
 *   one, and stdin is often /dev/null or shared with a terminal that stays
 *   open. A bus started directly by init or systemd (parent pid 1) or as a
 *   container's pid 1 (parent pid 0) has a parent that never changes.
 *   `--no-watch-parent` turns this off (e.g. `nohup threatbus &` from a
 *   login shell that then exits).
 * - A stray rejected promise is logged and counted, and the bus keeps going:
 *   the promise's owner is gone, nothing else is affected. An uncaught
 *   exception is logged and the bus shuts down (exit 1): it unwound a stack
 *   half-way through some plugin's work, whose state can no longer be trusted.
 */

import { readFileSync } from 'node:fs';

/** How often the parent pid is compared with the one at start. */
export const PARENT_POLL_MS = 1000;

/**
 * Keep the event loop alive and call `onParentGone` once when the parent
 * process is gone. Returns a function that stops watching (and lets the
 * process exit once nothing else holds it).
 */
export function keepAliveWatchingParent(onParentGone: (parentPid: number) => void, pollMs = PARENT_POLL_MS, watch = true): () => void {
  const parent = process.ppid;
  // `npm exec` runs the command through `sh -c`, which stays as the bus's parent and outlives a
  // SIGKILLed npm: then the shell's own parent is watched too (Linux /proc; elsewhere only the parent).
  const launcher = isShellWrapper(parent) ? parentOf(parent) : undefined;
  const timer = setInterval(() => {
    if (!watch) return;
    const gone = process.ppid !== parent ? parent : launcher !== undefined && parentOf(parent) !== launcher ? launcher : undefined;
    if (gone === undefined) return;
    clearInterval(timer);
    onParentGone(gone);
  }, pollMs);
  return () => clearInterval(timer);
}

/** The parent pid of `pid` from /proc (Linux); undefined where there is no /proc or the process is gone. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid ...: comm may contain spaces and parentheses, so parse after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `pid` is a shell running one command line (`sh -c ...`), as npm exec starts commands. */
function isShellWrapper(pid: number): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return /(^|\/)(sh|dash|bash|ash|zsh)$/.test(argv[0]) && argv[1] === '-c';
  } catch {
    return false;
  }
}

export interface LastResortHandlers {
  /** Log a line about a stray rejection; the process keeps running. */
  onRejection(reason: unknown, count: number): void;
  /** Log and shut down: the process must not keep running. */
  onException(error: unknown, count: number): void;
}

/** Install process-wide `unhandledRejection` / `uncaughtException` handlers; returns their removal. */
export function installLastResortHandlers(handlers: LastResortHandlers): () => void {
  let rejections = 0;
  let exceptions = 0;
  const rejection = (reason: unknown) => handlers.onRejection(reason, ++rejections);
  const exception = (error: unknown) => handlers.onException(error, ++exceptions);
  process.on('unhandledRejection', rejection);
  process.on('uncaughtException', exception);
  return () => {
    process.off('unhandledRejection', rejection);
    process.off('uncaughtException', exception);
  };
}

/** Message of an error or any thrown value, for one log line. */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  try {
    return typeof e === 'string' ? e : JSON.stringify(e) ?? String(e);
  } catch {
    return String(e);
  }
}
