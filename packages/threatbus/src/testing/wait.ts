/** Waiting in tests: for a condition, never for a fixed time. */

/** Poll `check` every `everyMs` until it is true; reject after `timeoutMs` with "timed out waiting for <what>". */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** For pacing a driver (e.g. a peer double sending slowly), not for waiting on the code under test: use `waitFor`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
