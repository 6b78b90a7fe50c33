/**
 * RunEndings' order and grouping, with a `together` that records what it was
 * given and ends what the test tells it to.
 */
import { describe, expect, it } from 'vitest';
import { maxFinishesPerTransaction, RunEndings } from './run-endings.js';

interface Call {
  finishes: readonly string[];
  answer: (outcomes: string[]) => void;
  fail: (error: Error) => void;
}

/** A RunEndings whose transactions wait until the test answers them. */
function recorded() {
  const calls: Call[] = [];
  const waiters: Array<() => void> = [];
  const endings = new RunEndings<string, string>(
    (finishes) =>
      new Promise<string[]>((answer, fail) => {
        calls.push({ finishes, answer, fail });
        for (const wake of waiters.splice(0)) wake();
      }),
  );
  /** The `index`th call of `together`, once made. */
  const call = async (index: number): Promise<Call> => {
    while (!calls[index]) await new Promise<void>((resolve) => waiters.push(resolve));
    return calls[index] as Call;
  };
  return { endings, calls, call };
}

const ended = (finishes: readonly string[]) => finishes.map((finish) => `${finish} ended`);

describe('endings of a run', () => {
  it('sends the finishes that waited behind a transaction together, in the order they came', async () => {
    const { endings, calls, call } = recorded();
    const first = endings.finish('run', 'a');
    const rest = ['b', 'c', 'd'].map((finish) => endings.finish('run', finish));
    (await call(0)).answer(['a ended']);
    expect(await first).toBe('a ended');
    const second = await call(1);
    expect(second.finishes).toEqual(['b', 'c', 'd']);
    second.answer(ended(second.finishes));
    expect(await Promise.all(rest)).toEqual(['b ended', 'c ended', 'd ended']);
    expect(calls).toHaveLength(2);
  });

  it('does not hold back the endings of another run', async () => {
    const { endings, call } = recorded();
    const held = endings.finish('one', 'a');
    const other = endings.finish('two', 'b');
    const [first, second] = [await call(0), await call(1)];
    expect([first.finishes, second.finishes]).toEqual([['a'], ['b']]);
    second.answer(['b ended']);
    expect(await other).toBe('b ended');
    first.answer(['a ended']);
    expect(await held).toBe('a ended');
  });

  it('sends again, in the next transaction, the finishes a transaction did not end', async () => {
    const { endings, call } = recorded();
    const first = endings.finish('run', 'a');
    const rest = ['b', 'c', 'd'].map((finish) => endings.finish('run', finish));
    (await call(0)).answer(['a ended']);
    await first;
    // The run advanced with c: d waits for the next transaction.
    (await call(1)).answer(['b ended', 'c ended']);
    const third = await call(2);
    expect(third.finishes).toEqual(['d']);
    third.answer(['d ended']);
    expect(await Promise.all(rest)).toEqual(['b ended', 'c ended', 'd ended']);
  });

  it('makes a failed transaction again one finish at a time, so that only the finish that fails alone fails', async () => {
    const { endings, call } = recorded();
    const first = endings.finish('run', 'a');
    const rest = ['b', 'c', 'd'].map((finish) => endings.finish('run', finish));
    (await call(0)).answer(['a ended']);
    await first;
    (await call(1)).fail(new Error('one of them spoiled it'));
    (await call(2)).answer(['b ended']);
    (await call(3)).fail(new Error('c is refused'));
    const fourth = await call(4);
    expect(fourth.finishes).toEqual(['d']);
    fourth.answer(['d ended']);
    expect(await Promise.allSettled(rest)).toEqual([
      { status: 'fulfilled', value: 'b ended' },
      { status: 'rejected', reason: new Error('c is refused') },
      { status: 'fulfilled', value: 'd ended' },
    ]);
  });

  it('runs an ending of another kind by itself, in its turn', async () => {
    const { endings, call } = recorded();
    const order: string[] = [];
    const first = endings.finish('run', 'a');
    const lost = endings.alone('run', async () => {
      order.push('lost');
      return 'lost ended';
    });
    const after = endings.finish('run', 'b');
    (await call(0)).answer(['a ended']);
    order.push(await first);
    const second = await call(1);
    expect(second.finishes).toEqual(['b']);
    second.answer(['b ended']);
    order.push(await after);
    expect(await lost).toBe('lost ended');
    expect(order).toEqual(['a ended', 'lost', 'b ended']);
  });

  it(`sends at most ${maxFinishesPerTransaction} finishes in one transaction`, async () => {
    const { endings, call } = recorded();
    const first = endings.finish('run', 'first');
    const many = Array.from({ length: maxFinishesPerTransaction + 1 }, (_, index) =>
      endings.finish('run', `f${index}`),
    );
    (await call(0)).answer(['first ended']);
    await first;
    const full = await call(1);
    expect(full.finishes).toHaveLength(maxFinishesPerTransaction);
    full.answer(ended(full.finishes));
    const last = await call(2);
    expect(last.finishes).toEqual([`f${maxFinishesPerTransaction}`]);
    last.answer(ended(last.finishes));
    expect(await Promise.all(many)).toHaveLength(maxFinishesPerTransaction + 1);
  });
});
