/** Wait `ms`, or less when `signal` aborts; resolves true when the full time passed. Never rejects. */
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
