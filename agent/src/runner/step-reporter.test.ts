import type { StepReport } from '@gantry/proto';
import { describe, expect, it, vi } from 'vitest';
import { StepReporter } from './step-reporter.js';

/** A controller whose answers the test releases one at a time. */
function heldController(answer = true) {
  const batches: StepReport[][] = [];
  const releases: Array<() => void> = [];
  const send = (steps: StepReport[]) => {
    batches.push(steps.map((step) => ({ ...step })));
    return new Promise<boolean>((resolve) => releases.push(() => resolve(answer)));
  };
  const releaseAll = async () => {
    while (releases.length > 0) {
      releases.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { batches, send, releaseAll };
}

/** Runs `test` on fake timers and a fake `performance.now`, then back on real ones. */
async function onFakeTimers(test: () => Promise<void>): Promise<void> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  try {
    await test();
  } finally {
    vi.useRealTimers();
  }
}

const brief = (batch: StepReport[]) => batch.map((step) => `${step.stepIndex}:${step.state}`);

describe('StepReporter', () => {
  it('sends one call at a time and merges a step that started and ended meanwhile into one entry', async () => {
    const controller = heldController();
    let clock = 1000;
    const reporter = new StepReporter({ send: controller.send, now: () => clock++ });
    reporter.started(0);
    reporter.ended(0, 'succeeded', 0);
    reporter.started(1);
    reporter.ended(1, 'succeeded', 0);
    reporter.started(2);
    reporter.ended(2, 'failed', 3);
    expect(controller.batches.map(brief)).toEqual([['0:running']]);
    await controller.releaseAll();
    const flushed = reporter.flush();
    await controller.releaseAll();
    await flushed;
    expect(controller.batches.map(brief)).toEqual([['0:running'], ['0:succeeded', '1:succeeded', '2:failed']]);
    const [end0, end1, end2] = controller.batches[1] as StepReport[];
    // Step 0's start went out already: its end carries no start time; the merged ones carry both.
    expect(end0).toMatchObject({ startedAtMs: 0, finishedAtMs: 1001 });
    expect(end1).toMatchObject({ startedAtMs: 1002, finishedAtMs: 1003 });
    expect(end2).toMatchObject({ exitCode: 3, startedAtMs: 1004, finishedAtMs: 1005 });
  });

  it('holds the final step for handOver(), which hands it over once the call in flight returned', async () => {
    const controller = heldController();
    const reporter = new StepReporter({ send: controller.send, holdLastMs: 60_000 });
    reporter.started(0);
    reporter.ended(0, 'succeeded', 0);
    reporter.started(1);
    reporter.ended(1, 'failed', 2, true);
    const handedOver = reporter.handOver();
    await controller.releaseAll();
    expect(brief(await handedOver)).toEqual(['0:succeeded', '1:failed']);
    expect(controller.batches.map(brief)).toEqual([['0:running']]);
    // Nothing is sent after the hand-over.
    reporter.started(2);
    await reporter.flush();
    expect(controller.batches).toHaveLength(1);
  });

  it('sends the held final step itself when handOver() does not come within holdLastMs', async () => {
    await onFakeTimers(async () => {
      const controller = heldController();
      const reporter = new StepReporter({ send: controller.send, holdLastMs: 250 });
      reporter.started(0);
      await controller.releaseAll();
      reporter.ended(0, 'succeeded', 0, true);
      vi.advanceTimersByTime(249);
      expect(controller.batches.map(brief)).toEqual([['0:running']]);
      vi.advanceTimersByTime(1);
      expect(controller.batches.map(brief)).toEqual([['0:running'], ['0:succeeded']]);
      const handedOver = reporter.handOver();
      await controller.releaseAll();
      expect(await handedOver).toEqual([]);
    });
  });

  it('holds the first report for holdFirstMs: a job whose steps end by then reports them all with FinishJob', async () => {
    await onFakeTimers(async () => {
      let clock = 1000;
      const quick = heldController();
      const reporter = new StepReporter({ send: quick.send, holdFirstMs: 100, holdLastMs: 250, now: () => clock++ });
      reporter.started(0);
      reporter.ended(0, 'succeeded', 0);
      reporter.started(1);
      vi.advanceTimersByTime(99);
      reporter.ended(1, 'succeeded', 0, true);
      // The last step's hold replaced the first one's.
      vi.advanceTimersByTime(200);
      expect(quick.batches).toEqual([]);
      const handedOver = await reporter.handOver();
      expect(brief(handedOver)).toEqual(['0:succeeded', '1:succeeded']);
      expect(handedOver[0]).toMatchObject({ startedAtMs: 1000, finishedAtMs: 1001 });

      const slow = heldController();
      const running = new StepReporter({ send: slow.send, holdFirstMs: 100, holdLastMs: 250 });
      running.started(0);
      vi.advanceTimersByTime(99);
      expect(slow.batches).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(slow.batches.map(brief)).toEqual([['0:running']]);
      // Only the first report is held: the next ones go out as before.
      await slow.releaseAll();
      running.ended(0, 'succeeded', 0);
      expect(slow.batches.map(brief)).toEqual([['0:running'], ['0:succeeded']]);
      running.stop();
    });
  });

  it('sends at most one call per intervalMs, with what happened meanwhile, unless the queue is full', async () => {
    await onFakeTimers(async () => {
      const controller = heldController();
      const reporter = new StepReporter({ send: controller.send, intervalMs: 100, maxPending: 50 });
      reporter.started(0);
      await controller.releaseAll();
      // Short steps, 10 ms each: they wait for the interval and go out together.
      for (const index of [0, 1, 2, 3]) {
        vi.advanceTimersByTime(10);
        reporter.ended(index, 'succeeded', 0);
        reporter.started(index + 1);
      }
      expect(controller.batches.map(brief)).toEqual([['0:running']]);
      vi.advanceTimersByTime(60);
      expect(controller.batches.map(brief)).toEqual([
        ['0:running'],
        ['0:succeeded', '1:succeeded', '2:succeeded', '3:succeeded', '4:running'],
      ]);
      await controller.releaseAll();
      // A full queue does not wait for the interval.
      for (let index = 5; index < 55; index++) reporter.started(index);
      expect(controller.batches).toHaveLength(3);
      reporter.stop();
    });
  });

  it('flush() sends what the interval keeps back at once', async () => {
    await onFakeTimers(async () => {
      const controller = heldController();
      const reporter = new StepReporter({ send: controller.send, intervalMs: 100 });
      reporter.started(0);
      await controller.releaseAll();
      reporter.ended(0, 'succeeded', 0, true);
      const flushed = reporter.flush();
      await controller.releaseAll();
      await flushed;
      expect(controller.batches.map(brief)).toEqual([['0:running'], ['0:succeeded']]);
    });
  });

  it('holds the final step for FinishJob after the first report and the interval holds have passed', async () => {
    await onFakeTimers(async () => {
      const controller = heldController();
      const reporter = new StepReporter({
        send: controller.send,
        holdFirstMs: 100,
        holdLastMs: 250,
        intervalMs: 100,
      });
      reporter.started(0);
      vi.advanceTimersByTime(100);
      await controller.releaseAll();
      reporter.ended(0, 'succeeded', 0);
      reporter.started(1);
      vi.advanceTimersByTime(50);
      // The last step's hold replaces the interval's: nothing goes out before handOver().
      reporter.ended(1, 'succeeded', 0, true);
      vi.advanceTimersByTime(200);
      expect(controller.batches.map(brief)).toEqual([['0:running']]);
      expect(brief(await reporter.handOver())).toEqual(['0:succeeded', '1:succeeded']);
    });
  });

  it('is full at maxPending entries until the call in flight returns, then has room again', async () => {
    const controller = heldController();
    const reporter = new StepReporter({ send: controller.send, maxPending: 3 });
    reporter.started(0);
    for (const index of [1, 2, 3]) reporter.started(index);
    expect(reporter.full).toBe(true);
    let roomy = false;
    const room = reporter.room().then(() => {
      roomy = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(roomy).toBe(false);
    await controller.releaseAll();
    await room;
    expect(reporter.full).toBe(false);
    expect(controller.batches.map(brief)).toEqual([['0:running'], ['1:running', '2:running', '3:running']]);
  });

  it('room() gives way to an abort', async () => {
    const controller = heldController();
    const reporter = new StepReporter({ send: controller.send, maxPending: 1 });
    reporter.started(0);
    reporter.started(1);
    const stop = new AbortController();
    const room = reporter.room(stop.signal);
    stop.abort('canceled');
    await room;
    expect(reporter.full).toBe(true);
  });

  it('stops for good when a send gives up: drops what waits, frees waiters, sends nothing more', async () => {
    const controller = heldController(false);
    const reporter = new StepReporter({ send: controller.send, maxPending: 1 });
    reporter.started(0);
    reporter.started(1);
    const room = reporter.room();
    await controller.releaseAll();
    await room;
    await controller.releaseAll();
    reporter.started(2);
    await reporter.flush();
    expect(controller.batches.map(brief)).toEqual([['0:running']]);
    expect(reporter.full).toBe(false);
  });
});
