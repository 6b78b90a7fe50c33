import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ControllerCallError, type ControllerClient } from '../controller-client.js';
import { LeaseKeeper } from './lease-keeper.js';

const lease = { jobId: 'job-1', attempt: 1, leaseToken: 't' };
const stale = () => new ControllerCallError('Heartbeat', 'FAILED_PRECONDITION', 'stale lease');

type HeartbeatAnswer = { cancelRequested: boolean; drainRequested: boolean };
const renewed: HeartbeatAnswer = { cancelRequested: false, drainRequested: false };

/** A controller whose heartbeats the test answers one by one (by default: renewed, nothing asked). */
function fakeController() {
  const beats: Array<{ resolve: (answer?: HeartbeatAnswer) => void; reject: (error: unknown) => void }> = [];
  const controller = {
    heartbeat: () =>
      new Promise((resolve, reject) => beats.push({ resolve: (answer = renewed) => resolve(answer), reject })),
  } as unknown as ControllerClient;
  return { controller, beats };
}

function newKeeper(controller: ControllerClient) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const onLost = vi.fn();
  const onDrainRequested = vi.fn();
  const keeper = new LeaseKeeper({
    controller,
    lease,
    heartbeatIntervalMs: 100,
    leaseTtlMs: 30_000,
    logger,
    onCancelRequested: () => {},
    onDrainRequested,
    onLost,
  });
  return { keeper, onLost, onDrainRequested, lines };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('LeaseKeeper', () => {
  it('asks the agent to drain when a heartbeat answer says it was asked to, and only then', async () => {
    vi.useFakeTimers();
    const { controller, beats } = fakeController();
    const { keeper, onDrainRequested, onLost } = newKeeper(controller);
    keeper.start();
    await vi.advanceTimersByTimeAsync(100);
    beats[0]?.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(onDrainRequested).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(100);
    beats[1]?.resolve({ ...renewed, drainRequested: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(onDrainRequested).toHaveBeenCalledTimes(1);
    // Draining lets the job finish: the lease is still kept.
    await vi.advanceTimersByTimeAsync(100);
    expect(beats).toHaveLength(3);
    expect(onLost).not.toHaveBeenCalled();
    keeper.stop();
  });

  it('sends no heartbeat once stopHeartbeats() was called', async () => {
    vi.useFakeTimers();
    const { controller, beats } = fakeController();
    const { keeper } = newKeeper(controller);
    keeper.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(beats).toHaveLength(1);
    beats[0]?.resolve();
    await vi.advanceTimersByTimeAsync(100);
    expect(beats).toHaveLength(2);
    beats[1]?.resolve();
    keeper.stopHeartbeats();
    await vi.advanceTimersByTimeAsync(1000);
    expect(beats).toHaveLength(2);
    keeper.stop();
  });

  it('ignores a stale answer to a heartbeat that was in flight when heartbeats stopped', async () => {
    vi.useFakeTimers();
    const { controller, beats } = fakeController();
    const { keeper, onLost, lines } = newKeeper(controller);
    keeper.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(beats).toHaveLength(1);
    // FinishJob is about to go out while this heartbeat is on its way; it lands after and is refused.
    keeper.stopHeartbeats();
    beats[0]?.reject(stale());
    await vi.advanceTimersByTimeAsync(1000);
    expect(keeper.lost).toBeUndefined();
    expect(onLost).not.toHaveBeenCalled();
    expect(lines.some((l) => l.msg === 'lease lost, killing job')).toBe(false);
    expect(beats).toHaveLength(1);
    keeper.stop();
  });

  it('still loses the lease when the finishing call itself is refused as stale', async () => {
    vi.useFakeTimers();
    const { controller } = fakeController();
    const { keeper, onLost } = newKeeper(controller);
    keeper.start();
    keeper.stopHeartbeats();
    const finished = await keeper.call('FinishJob', () =>
      Promise.reject(new ControllerCallError('FinishJob', 'FAILED_PRECONDITION', 'stale lease')),
    );
    expect(finished).toBe(false);
    expect(keeper.lost).toBe('stale');
    expect(onLost).toHaveBeenCalledWith('stale');
    keeper.stop();
  });

  it('still fences itself when nothing renewed the lease for 2/3 of its TTL', async () => {
    vi.useFakeTimers();
    const { controller } = fakeController();
    const { keeper, onLost } = newKeeper(controller);
    keeper.start();
    keeper.stopHeartbeats();
    await vi.advanceTimersByTimeAsync(19_999);
    expect(onLost).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(onLost).toHaveBeenCalledWith('expired');
    keeper.stop();
  });

  it('keeps the lease while the controller says its database is away, then fences once answers stop', async () => {
    vi.useFakeTimers();
    const { controller, beats } = fakeController();
    const { keeper, onLost } = newKeeper(controller);
    keeper.start();
    const databaseAway = () => new ControllerCallError('Heartbeat', 'UNAVAILABLE', 'database unavailable');
    // 40 s of "database unavailable" answers: longer than the TTL, and no fence.
    for (let elapsedMs = 0; elapsedMs < 40_000; ) {
      const pending = beats.length;
      await vi.advanceTimersByTimeAsync(100);
      elapsedMs += 100;
      for (const beat of beats.splice(pending)) beat.reject(databaseAway());
    }
    expect(onLost).not.toHaveBeenCalled();
    // A controller that is gone altogether says nothing about the reaper: the fence runs again.
    for (let elapsedMs = 0; elapsedMs < 20_100; ) {
      const pending = beats.length;
      await vi.advanceTimersByTimeAsync(100);
      elapsedMs += 100;
      for (const beat of beats.splice(pending))
        beat.reject(new ControllerCallError('Heartbeat', 'UNAVAILABLE', 'connect ECONNREFUSED'));
    }
    expect(onLost).toHaveBeenCalledWith('expired');
    keeper.stop();
  });
});
