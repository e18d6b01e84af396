/**
 * At most `limit` tasks at once: a plugin delivering items to a peer one by
 * one (sightings to MISP or OpenCTI) keeps a few requests open so one slow or
 * refused item does not hold up the others, without opening one per item.
 * Tasks handle their own errors (they must not reject).
 */
export class BoundedTasks {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly limit: number) {}

  /** Tasks started and not yet finished. */
  get size(): number {
    return this.running.size;
  }

  /** Waits for a free slot, then starts `task`; resolves once it has started. */
  async start(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.limit) await Promise.race(this.running);
    const running = task().finally(() => this.running.delete(running));
    this.running.add(running);
  }

  /** Resolves once every started task has finished. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }
}
