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
 * - A stray rejected promise is logged and counted, and the bus keeps going:
 *   the promise's owner is gone, nothing else is affected. An uncaught
 *   exception is logged and the bus shuts down (exit 1): it unwound a stack
 *   half-way through some plugin's work, whose state can no longer be trusted.
 */

/** How often the parent pid is compared with the one at start. */
export const PARENT_POLL_MS = 1000;

/**
 * Keep the event loop alive and call `onParentGone` once when the parent
 * process is gone. Returns a function that stops watching (and lets the
 * process exit once nothing else holds it).
 */
export function keepAliveWatchingParent(onParentGone: (parentPid: number) => void, pollMs = PARENT_POLL_MS): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onParentGone(parent);
  }, pollMs);
  return () => clearInterval(timer);
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
