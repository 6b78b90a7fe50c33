import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, RetryAbortedError, retry, sleep } from './retry.js';

const policy = { initialDelayMs: 100, maxDelayMs: 2_000 };

describe('backoffDelayMs', () => {
  it.each([
    [1, 0, 10],
    [1, 1, 100],
    [2, 1, 200],
    [4, 1, 800],
    [10, 1, 2_000],
    [10, 0, 200],
  ])('after %i failures with random()=%f waits %i ms', (failures, draw, expected) => {
    expect(backoffDelayMs(failures, policy, () => draw)).toBe(expected);
  });

  it('spreads clients that failed together over the whole window', () => {
    const delays = Array.from({ length: 200 }, () => backoffDelayMs(10, policy));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(200);
    expect(Math.max(...delays)).toBeLessThanOrEqual(2_000);
    // 200 draws from [200, 2000]: far more than a handful of distinct delays.
    expect(new Set(delays).size).toBeGreaterThan(50);
  });
});

describe('retry', () => {
  const fast = { initialDelayMs: 1, maxDelayMs: 2 };

  it('returns the first success and counts the failures before it', async () => {
    const seen: number[] = [];
    const result = await retry(async (failures) => {
      seen.push(failures);
      if (failures < 3) throw new Error(`fail ${failures}`);
      return 'ok';
    }, fast);
    expect(result).toBe('ok');
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  it('gives up with the last error after maxAttempts', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error(`fail ${calls}`);
        },
        { ...fast, maxAttempts: 3 },
      ),
    ).rejects.toThrow('fail 3');
    expect(calls).toBe(3);
  });

  it('does not retry an error shouldRetry refuses', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new TypeError('permanent');
        },
        { ...fast, shouldRetry: (error) => !(error instanceof TypeError) },
      ),
    ).rejects.toThrow('permanent');
    expect(calls).toBe(1);
  });

  it('stops waiting as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const attempts = retry(
      async () => {
        throw new Error('down');
      },
      {
        initialDelayMs: 3_600_000,
        maxDelayMs: 3_600_000,
        signal: controller.signal,
        onRetry: () => controller.abort(),
      },
    );
    await expect(attempts).rejects.toBeInstanceOf(RetryAbortedError);
  });

  it('sleep leaves no listener behind on a long-lived signal (loops call it once a second for days)', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 20; i++) await sleep(0, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('sleep resolves early on abort', async () => {
    const controller = new AbortController();
    const waiting = sleep(3_600_000, controller.signal);
    controller.abort();
    await expect(waiting).resolves.toBeUndefined();
  });
});
