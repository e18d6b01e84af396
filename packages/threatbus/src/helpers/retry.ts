/**
 * Bounded retries with exponential backoff, for a plugin that delivers each
 * item to a peer on its own (a sighting to MISP or OpenCTI): the first retry
 * after `initialDelayMs`, each next one after twice the delay (at most
 * `maxDelayMs`), and no attempt that would start after `retryForMs` from the
 * first. Aborting `signal` ends the wait at once. The caller keeps its own
 * counters and log lines: `onRetry` hears each failed attempt that will be
 * retried, the outcome says how it ended.
 */

export const DEFAULT_MAX_RETRY_DELAY_MS = 60_000;

export interface RetryOptions {
  /** Wait after the first failed attempt, in ms. */
  initialDelayMs: number;
  /** Longest wait between attempts, in ms. Default 60 s. */
  maxDelayMs?: number;
  /** Give up when the next attempt would start later than this (ms from the call). */
  retryForMs: number;
  /** Aborting it ends the retries (outcome `aborted`), also while an attempt runs. */
  signal: AbortSignal;
  /** A failed attempt (1-based) that will be retried after `delayMs`. */
  onRetry?(error: unknown, attempt: number, delayMs: number): void;
}

export type RetryOutcome<T> =
  | { readonly status: 'done'; readonly value: T; readonly attempts: number }
  /** The last attempt failed and no further one fits into `retryForMs`. */
  | { readonly status: 'gave-up'; readonly error: unknown; readonly attempts: number }
  /** `signal` aborted: during a wait, or an attempt failed after it aborted. */
  | { readonly status: 'aborted'; readonly attempts: number };

/** Runs `attempt` until it resolves, `retryForMs` is used up, or `signal` aborts. Never rejects. */
export async function retryWithBackoff<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<RetryOutcome<T>> {
  const { signal, retryForMs, maxDelayMs = DEFAULT_MAX_RETRY_DELAY_MS } = options;
  const deadline = Date.now() + retryForMs;
  let delay = options.initialDelayMs;
  for (let n = 1; ; n++) {
    try {
      return { status: 'done', value: await attempt(n), attempts: n };
    } catch (error) {
      if (signal.aborted) return { status: 'aborted', attempts: n };
      if (Date.now() + delay > deadline) return { status: 'gave-up', error, attempts: n };
      options.onRetry?.(error, n, delay);
      if (!(await sleepUnlessAborted(delay, signal))) return { status: 'aborted', attempts: n };
      delay = Math.min(delay * 2, maxDelayMs);
    }
  }
}

/** Waits `ms`, or less when `signal` aborts; resolves true when the full time passed. Never rejects. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => done(true), ms);
    function done(slept: boolean) {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(slept);
    }
    const onAbort = () => done(false);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
