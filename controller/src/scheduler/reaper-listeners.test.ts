import { getEventListeners } from 'node:events';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Database } from '../store/database.js';
import type { JobLifecycle } from './job-lifecycle.js';
import { Reaper } from './reaper.js';
import type { Scheduler } from './scheduler.js';

describe('reaper loop', () => {
  it('keeps at most one abort listener on its signal however many sweeps it makes', async () => {
    let sweeps = 0;
    let mostListeners = 0;
    const stop = new AbortController();
    const unreachable = () => {
      sweeps++;
      mostListeners = Math.max(mostListeners, getEventListeners(stop.signal, 'abort').length);
      throw new Error('database unreachable');
    };
    // Every query fails: each sweep logs and goes on, as during a database outage.
    const db = { execute: unreachable, select: unreachable, transaction: unreachable } as unknown as Database;
    const reaper = new Reaper({
      db,
      lifecycle: {} as JobLifecycle,
      scheduler: {} as Scheduler,
      log: pino({ level: 'silent' }),
      leaseTtlMs: 400,
      republishAfterMs: 1000,
      countOffers: async () => 0,
      wakeRelay: () => {},
      now: () => Number.POSITIVE_INFINITY,
    });
    const running = reaper.run(stop.signal);
    await expect.poll(() => sweeps, { timeout: 20_000, interval: 20 }).toBeGreaterThanOrEqual(15);
    stop.abort();
    await running;
    expect(mostListeners).toBeLessThanOrEqual(1);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });
});
