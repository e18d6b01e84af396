/** Small concurrency helpers: a counting semaphore and a set of tracked background tasks. */

export class Semaphore {
  private waiting: (() => void)[] = [];
  constructor(private permits: number) {}

  async acquire(): Promise<void> {
    if (this.permits > 0) {
      this.permits--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.permits++;
  }

  get available(): number {
    return this.permits;
  }
}

/**
 * Background tasks that are remembered until they settle, so shutdown can
 * wait for them and no rejection goes unobserved (the original fired and
 * forgot them: spec/quirks.md F11).
 */
export class TaskSet {
  private readonly tasks = new Set<Promise<void>>();
  constructor(private readonly onError: (e: unknown) => void) {}

  spawn(fn: () => Promise<void>): void {
    const p = fn().catch(this.onError);
    this.tasks.add(p);
    void p.finally(() => this.tasks.delete(p));
  }

  get size(): number {
    return this.tasks.size;
  }

  /** Resolves when every task running now (and spawned meanwhile) has settled. */
  async idle(): Promise<void> {
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
  }
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
