/** Deadline-bounded polling: the only way the chaos suite waits for the farm. */

export class ChaosTimeoutError extends Error {
  override readonly name = 'ChaosTimeoutError';
  readonly code = 'CHAOS_TIMEOUT';
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `probe` every `intervalMs` until it returns a value other than
 * undefined, and returns it; after `timeoutMs` returns undefined (or throws
 * ChaosTimeoutError naming `what`, when given). A probe that throws counts as
 * "not yet" (the database it reads may be the one restarting); the last error
 * is rethrown at the deadline.
 */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  options: { timeoutMs: number; intervalMs?: number; what?: string },
): Promise<T | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    let failure: unknown;
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      failure = error;
    }
    if (Date.now() >= deadline) {
      if (failure !== undefined) throw failure;
      if (options.what) throw new ChaosTimeoutError(`${options.what}: not within ${options.timeoutMs} ms`);
      return undefined;
    }
    await delay(options.intervalMs ?? 200);
  }
}
