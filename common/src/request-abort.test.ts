/** RequestAbort on its own; the API client's test drives it on a stalled answer with the collector running. */
import { describe, expect, it } from 'vitest';
import { RequestAbort } from './request-abort.js';

/** A promise that settles only when told. */
function pending<T>(): { promise: Promise<T>; settle: (value: T) => void } {
  let settle: (value: T) => void = () => {};
  const promise = new Promise<T>((resolve) => {
    settle = resolve;
  });
  return { promise, settle };
}

describe('RequestAbort', () => {
  it('times out: ends a wait on the abort itself, and hands what came too late to `late`', async () => {
    const abort = new RequestAbort();
    const work = pending<string>();
    const late: string[] = [];
    abort.arm(10);
    await expect(abort.race(work.promise, (value) => late.push(value))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(abort.signal.aborted).toBe(true);
    expect(abort.timedOut).toBe(true);
    work.settle('answer');
    await work.promise;
    expect(late).toEqual(['answer']);
    abort.release();
  });

  it('aborts with the caller’s reason, and not as timed out', async () => {
    const caller = new AbortController();
    const abort = new RequestAbort(caller.signal);
    abort.arm(60_000);
    const waiting = abort.race(pending<string>().promise);
    caller.abort(new Error('interrupted'));
    await expect(waiting).rejects.toThrow('interrupted');
    expect(abort.timedOut).toBe(false);
    abort.release();
  });

  it('is aborted at once for a caller aborted already', () => {
    const caller = new AbortController();
    caller.abort(new Error('before'));
    const abort = new RequestAbort(caller.signal);
    expect(abort.signal.aborted).toBe(true);
    expect(abort.signal.reason).toEqual(new Error('before'));
  });

  it('passes on what the work answers before any abort', async () => {
    const abort = new RequestAbort();
    abort.arm(60_000);
    await expect(abort.race(Promise.resolve('answer'))).resolves.toBe('answer');
    await expect(abort.race(Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    abort.release();
    expect(abort.signal.aborted).toBe(false);
  });
});
