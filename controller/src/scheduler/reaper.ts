/**
 * Ends attempts whose agent is gone, so their jobs run again elsewhere:
 *  - by lease: an attempt whose lease expired by database time ends `lost`.
 *    The reaper stays disarmed for one TTL after this controller starts and
 *    after any database error, so a pause of the controller or the database
 *    (during which agents could not renew) never mass-fails healthy jobs.
 *  - by agent: `reapAgent` ends every attempt of an agent whose Connect
 *    stream closed and did not come back (called by the presence tracker).
 * Also re-publishes offers of queued jobs that nobody claimed in time, so a
 * message lost inside NATS never strands a job.
 */
import type { Logger } from 'pino';
import type { Database } from '../store/database.js';
import { republishStaleOffers } from '../store/jobs-repository.js';
import { findExpiredLeases, findLeasesOfAgent } from '../store/leases-repository.js';
import type { JobLifecycle } from './job-lifecycle.js';

export interface ReaperOptions {
  db: Database;
  lifecycle: JobLifecycle;
  log: Logger;
  leaseTtlMs: number;
  /** Re-publish an offer not claimed after this long. */
  republishAfterMs: number;
  wakeRelay: () => void;
  /** Monotonic clock in ms; injectable for tests. */
  now?: () => number;
}

export class Reaper {
  private armedAt: number;
  private readonly now: () => number;

  constructor(private readonly options: ReaperOptions) {
    this.now = options.now ?? (() => performance.now());
    this.armedAt = this.now() + options.leaseTtlMs;
  }

  /** Sweeps until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const intervalMs = Math.max(100, Math.min(1000, Math.floor(this.options.leaseTtlMs / 4)));
    while (!signal.aborted) {
      await this.sweep();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, intervalMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  /** One pass: expired leases (when armed), then stale offers. Never throws. */
  async sweep(): Promise<void> {
    try {
      if (this.now() >= this.armedAt) await this.reapExpiredLeases();
      const republished = await this.options.db.transaction((tx) =>
        republishStaleOffers(tx, this.options.republishAfterMs, 500),
      );
      if (republished > 0) {
        this.options.log.warn({ jobs: republished }, 'offers not claimed in time, re-published');
        this.options.wakeRelay();
      }
    } catch (error) {
      this.armedAt = this.now() + this.options.leaseTtlMs;
      this.options.log.error({ err: error }, 'reaper sweep failed; lease expiry paused for one TTL');
    }
  }

  /** Ends every running attempt of `agentId` as lost, at once (no grace: the caller already waited). */
  async reapAgent(agentId: string, reason: string): Promise<number> {
    const leases = await findLeasesOfAgent(this.options.db, agentId);
    let ended = 0;
    for (const lease of leases) {
      if (await this.options.lifecycle.endLostAttempt(lease, reason)) ended++;
    }
    if (ended > 0) this.options.log.warn({ agentId, attempts: ended, reason }, 'attempts of a lost agent ended');
    return ended;
  }

  private async reapExpiredLeases(): Promise<void> {
    for (;;) {
      const expired = await findExpiredLeases(this.options.db, 100);
      for (const lease of expired) {
        if (await this.options.lifecycle.endLostAttempt(lease, 'lease expired: agent stopped heartbeating')) {
          this.options.log.warn(
            { jobId: lease.jobId, attempt: lease.attempt, agentId: lease.agentId },
            'lease expired',
          );
        }
      }
      if (expired.length < 100) return;
    }
  }
}
