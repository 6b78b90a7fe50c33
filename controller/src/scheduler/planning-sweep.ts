/**
 * Plans runs that the replica which accepted them never planned (it died
 * between the trigger's 201 and the plan, or mid-planning). Runs on every
 * replica; each run is planned by whichever replica wins its planning claim
 * (store/planning-claims.ts), so no replica waits for a particular one.
 */
import { sleep } from '@gantry/common';
import type { Logger } from 'pino';
import type { Database } from '../store/database.js';
import { findUnclaimedUnplannedRuns } from '../store/planning-claims.js';
import type { Scheduler } from './scheduler.js';

/** A run this old and unclaimed is an orphan: its accepting replica claims it within milliseconds. */
const ORPHAN_AFTER_MS = 1_000;
const BATCH = 50;

export class PlanningSweep {
  constructor(
    private readonly deps: { db: Database; scheduler: Pick<Scheduler, 'planRun'>; log: Logger; intervalMs?: number },
  ) {}

  /** Sweeps until `signal` aborts. Never throws. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.sweep();
      await sleep(this.deps.intervalMs ?? 1_000, signal);
    }
  }

  /** Plans every orphaned run found now; returns how many were handed to the scheduler. */
  async sweep(): Promise<number> {
    try {
      const ids = await findUnclaimedUnplannedRuns(this.deps.db, ORPHAN_AFTER_MS, BATCH);
      if (ids.length > 0) this.deps.log.warn({ runs: ids.length }, 'planning runs another replica accepted');
      await Promise.all(ids.map((id) => this.deps.scheduler.planRun(id)));
      return ids.length;
    } catch (error) {
      this.deps.log.warn({ err: error }, 'planning sweep failed; will retry');
      return 0;
    }
  }
}
