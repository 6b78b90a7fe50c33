/**
 * The one retry policy of the farm: exponential back-off with full jitter
 * (each delay is drawn uniformly from [floor, cap of this attempt]), so that
 * 200 agents that lost their controller at the same instant do not come back
 * at the same instant either. Every wait ends early when the caller's
 * AbortSignal fires.
 *
 * Why not p-retry: its `randomize` multiplies before the cap, so once delays
 * reach `maxTimeout` every client waits exactly the cap again, in step.
 */

export interface BackoffPolicy {
  /** Delay cap of the first retry, ms. */
  initialDelayMs: number;
  /** Largest delay, ms. */
  maxDelayMs: number;
  /** Growth per failure; default 2. */
  factor?: number;
  /** Smallest delay as a share of this attempt's cap (0 = full jitter); default 0.1. */
  floorRatio?: number;
}

/** The delay before retry number `failures` (1 = after the first failure), jittered. */
export function backoffDelayMs(failures: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const { initialDelayMs, maxDelayMs, factor = 2, floorRatio = 0.1 } = policy;
  const cap = Math.min(maxDelayMs, initialDelayMs * factor ** Math.max(0, failures - 1));
  const floor = cap * floorRatio;
  return Math.round(floor + (cap - floor) * random());
}

/** Resolves after `ms`, or at once (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface RetryOptions extends BackoffPolicy {
  signal?: AbortSignal;
  /** Stop after this many attempts in all; default: no limit (until it succeeds or the signal aborts). */
  maxAttempts?: number;
  /** Return false to give up on this error at once; default: every error is retried. */
  shouldRetry?: (error: unknown) => boolean;
  /** Called before each wait, for a log line. */
  onRetry?: (error: unknown, failures: number, delayMs: number) => void;
}

export class RetryAbortedError extends Error {
  override readonly name = 'RetryAbortedError';
  readonly code = 'RETRY_ABORTED';
}

/**
 * Calls `attempt` until it resolves, waiting a jittered back-off between
 * failures. Rejects with the last error when `shouldRetry` says no or
 * `maxAttempts` is reached, and with RetryAbortedError (cause: the last error)
 * when the signal aborts first.
 */
export async function retry<T>(attempt: (failures: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { signal, maxAttempts = Number.POSITIVE_INFINITY, shouldRetry = () => true, onRetry } = options;
  for (let failures = 0; ; ) {
    if (signal?.aborted) throw new RetryAbortedError('retry aborted');
    try {
      return await attempt(failures);
    } catch (error) {
      failures++;
      if (!shouldRetry(error) || failures >= maxAttempts) throw error;
      if (signal?.aborted) throw new RetryAbortedError('retry aborted', { cause: error });
      const delayMs = backoffDelayMs(failures, options);
      onRetry?.(error, failures, delayMs);
      await sleep(delayMs, signal);
    }
  }
}
