import { describe, expect, it } from 'vitest';
import { createFetchCoalescer } from './fetch-coalescer.js';

/** A fetch whose calls the test finishes by hand, in the order it chooses. */
function controlledFetch() {
  const calls: { key: string; finish: () => void; fail: (error: Error) => void }[] = [];
  const fetch = (key: string) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ key, finish: resolve, fail: reject });
    });
  return { fetch, calls };
}

/** Lets every pending promise reaction run (no timers involved). */
async function drain(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Records when each promise settles. */
function track(promise: Promise<void>) {
  const state = { settled: false, error: undefined as unknown };
  promise.then(
    () => {
      state.settled = true;
    },
    (error: unknown) => {
      state.settled = true;
      state.error = error;
    },
  );
  return state;
}

describe('coalescing fetches of one repository', () => {
  it('starts a fetch at once when none is in flight', async () => {
    const { fetch, calls } = controlledFetch();
    const coalesced = createFetchCoalescer(fetch);
    const first = track(coalesced('a'));
    await drain();
    expect(calls).toHaveLength(1);
    calls[0]?.finish();
    await drain();
    expect(first.settled).toBe(true);
  });

  it('makes callers who arrive during a fetch wait for it, then share one next fetch', async () => {
    const { fetch, calls } = controlledFetch();
    const coalesced = createFetchCoalescer(fetch);
    const early = track(coalesced('a'));
    await drain();
    const late = [track(coalesced('a')), track(coalesced('a')), track(coalesced('a'))];
    await drain();
    expect(calls).toHaveLength(1);

    calls[0]?.finish();
    await drain();
    // The first fetch started before the late callers arrived: they are not served by it.
    expect(early.settled).toBe(true);
    expect(late.map((caller) => caller.settled)).toEqual([false, false, false]);
    expect(calls).toHaveLength(2);

    const afterSecondStarted = track(coalesced('a'));
    calls[1]?.finish();
    await drain();
    expect(late.map((caller) => caller.settled)).toEqual([true, true, true]);
    // This one arrived while the second fetch ran, so it needs a third.
    expect(afterSecondStarted.settled).toBe(false);
    expect(calls).toHaveLength(3);
    calls[2]?.finish();
    await drain();
    expect(afterSecondStarted.settled).toBe(true);
  });

  it('fails everyone who shared a failed fetch, and still runs the next generation', async () => {
    const { fetch, calls } = controlledFetch();
    const coalesced = createFetchCoalescer(fetch);
    const first = track(coalesced('a'));
    const shared = [track(coalesced('a')), track(coalesced('a'))];
    await drain();
    calls[0]?.finish();
    await drain();
    expect(first).toEqual({ settled: true, error: undefined });
    const waiting = track(coalesced('a'));
    calls[1]?.fail(new Error('origin unreachable'));
    await drain();
    expect(shared.map((caller) => (caller.error as Error).message)).toEqual([
      'origin unreachable',
      'origin unreachable',
    ]);
    expect(waiting.settled).toBe(false);
    expect(calls).toHaveLength(3);
    calls[2]?.finish();
    await drain();
    expect(waiting).toEqual({ settled: true, error: undefined });
  });

  it('keeps repositories apart', async () => {
    const { fetch, calls } = controlledFetch();
    const coalesced = createFetchCoalescer(fetch);
    coalesced('a');
    coalesced('b');
    await drain();
    expect(calls.map((call) => call.key)).toEqual(['a', 'b']);
  });

  it('starts afresh once idle', async () => {
    const { fetch, calls } = controlledFetch();
    const coalesced = createFetchCoalescer(fetch);
    const first = track(coalesced('a'));
    await drain();
    calls[0]?.finish();
    await drain();
    expect(first.settled).toBe(true);
    const second = track(coalesced('a'));
    await drain();
    expect(calls).toHaveLength(2);
    calls[1]?.finish();
    await drain();
    expect(second.settled).toBe(true);
  });
});
