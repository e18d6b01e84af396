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
