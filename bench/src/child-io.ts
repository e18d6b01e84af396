/** How benchmark processes talk to the orchestrator: options in argv[2] as JSON, one JSON line per event on stdout. */
export function childOptions<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

export function emit(event: string, data: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ event, ...data }) + '\n');
}

export function nowNs(): bigint {
  return process.hrtime.bigint();
}

/** Say `ready` (with the client's p2p topic), and call `finish` when the orchestrator closes stdin (no progress: report what arrived). */
export function readyUntilStdinEnds(p2p: string | undefined, finish: () => Promise<void>): void {
  emit('ready', { p2p });
  process.stdin.on('end', () => void finish());
  process.stdin.resume();
}

/** Run a child's main; a failure is an `error` event and exit 1. */
export function runChild(main: () => Promise<void>): void {
  main().catch((e) => {
    emit('error', { message: String(e) });
    process.exit(1);
  });
}
