/**
 * Single-flight with generations, per key: concurrent callers share one call
 * of `fetch(key)`, but a caller only ever joins a call that starts after it
 * arrived, so whatever existed at the origin when it arrived is fetched.
 *
 * - Nothing in flight: a new call starts at once.
 * - A call in flight (it started before this caller arrived, so it may miss a
 *   push made just before): the caller waits for it to settle, then shares the
 *   next call with everyone else who arrived in the meantime.
 *
 * So at most one call per key runs at a time and at most one waits behind it.
 * A failed call rejects every caller that shared it; the next generation
 * starts anyway. Keys are forgotten when idle.
 */
export type Fetch = (key: string) => Promise<void>;

interface KeyState {
  /** The call in flight, if any. */
  running: Promise<void> | undefined;
  /** The next call, starting when `running` settles; joined by every newcomer. */
  queued: Promise<void> | undefined;
}

export function createFetchCoalescer(fetch: Fetch): Fetch {
  const states = new Map<string, KeyState>();

  const start = (key: string, state: KeyState): Promise<void> => {
    const call = Promise.resolve().then(() => fetch(key));
    state.running = call;
    const forget = () => {
      if (state.running === call) state.running = undefined;
      if (!state.running && !state.queued && states.get(key) === state) states.delete(key);
    };
    call.then(forget, forget);
    return call;
  };

  return (key) => {
    let state = states.get(key);
    if (!state) {
      state = { running: undefined, queued: undefined };
      states.set(key, state);
    }
    if (state.queued) return state.queued;
    if (!state.running) return start(key, state);
    const current = state;
    const next = state.running.then(
      () => undefined,
      () => undefined,
    );
    current.queued = next.then(() => {
      current.queued = undefined;
      return start(key, current);
    });
    return current.queued;
  };
}
