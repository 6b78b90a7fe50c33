/**
 * Ends attempts whose agent is gone, so their jobs run again elsewhere:
 *  - by lease: an attempt whose lease expired by database time ends `lost`.
 *    The reaper stays disarmed for one TTL after this controller starts and
 *    after any database error, so a pause of the controller or the database
 *    (during which agents could not renew) never mass-fails healthy jobs.
 *  - by agent: `reapAgent` ends every attempt of an agent whose Connect
 *    stream closed and did not come back (called by the presence tracker).
 * Also re-publishes offers that went missing from the stream, so a message
 * lost inside NATS never strands a job, rejects gated stages whose
 * approval timeout passed (approval-timeouts.ts), and starts the next waiter
 * of any concurrency group left free.
 */
import { sleep } from '@gantry/common';
import type { Logger } from 'pino';
import type { ControllerMetrics } from '../metrics/controller-metrics.js';
import { type Database, pingDatabase } from '../store/database.js';
import { isDatabaseUnavailable } from '../store/database-unavailable.js';
import { countQueuedByQueue, republishStaleOffers } from '../store/jobs-repository.js';
import { findExpiredLeases, findLeasesOfAgent } from '../store/leases-repository.js';
import { expireApprovalGates } from './approval-timeouts.js';
import type { JobLifecycle } from './job-lifecycle.js';
import type { Scheduler } from './scheduler.js';

export interface ReaperOptions {
  db: Database;
  lifecycle: JobLifecycle;
  /** Told about runs whose gate timed out. */
  scheduler: Scheduler;
  log: Logger;
  leaseTtlMs: number;
  /** Re-publish an offer not claimed after this long, when its message is missing from the stream. */
  republishAfterMs: number;
  /** How many offers of the queue its consumer can still hand out (to deliver, or delivered and not acked). */
  countOffers: (queue: string) => Promise<number>;
  /**
   * Asks the queue's consumer to move to another NATS node (a clustered
   * JetStream). Called when offers published again still do not reach it:
   * a consumer led from a stream replica that stopped catching up delivers
   * nothing, while the stream takes every offer.
   */
  moveConsumer?: (queue: string) => Promise<void>;
  wakeRelay: () => void;
  /** Counts lease expiries. */
  metrics?: ControllerMetrics;
  /** Monotonic clock in ms; injectable for tests. */
  now?: () => number;
}

export class Reaper {
  private armedAt: number;
  /** The database failed a sweep: lease expiry waits for it to answer again, then one more TTL. */
  private databaseAway = false;
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
      await sleep(intervalMs, signal);
    }
  }

  /**
   * One pass: expired leases (when armed), then stale offers, then approval
   * timeouts. Never throws. A failure to count offers (NATS trouble) does not
   * pause lease expiry: only database trouble can keep agents from renewing.
   */
  async sweep(): Promise<void> {
    try {
      if (this.databaseAway) {
        // Agents could not renew while the database was away: they get one whole TTL from its return.
        await pingDatabase(this.options.db);
        this.databaseAway = false;
        this.armedAt = this.now() + this.options.leaseTtlMs;
      }
      if (this.now() >= this.armedAt) await this.reapExpiredLeases();
    } catch (error) {
      this.pauseExpiry();
      this.options.log.error({ err: error }, 'reaper sweep failed; lease expiry paused until the database answers');
      return;
    }
    try {
      await this.republishMissingOffers(this.options.republishAfterMs);
    } catch (error) {
      if (isDatabaseUnavailable(error)) this.pauseExpiry();
      this.options.log.warn({ err: error }, 'cannot re-publish missing offers; will retry');
    }
    try {
      const rejected = await expireApprovalGates(this.options.db, this.options.scheduler);
      if (rejected > 0) this.options.log.info({ stages: rejected }, 'approval timeouts rejected stages');
    } catch (error) {
      if (isDatabaseUnavailable(error)) this.pauseExpiry();
      this.options.log.warn({ err: error }, 'cannot expire approval timeouts; will retry');
    }
    // A controller that stopped between freeing a group and starting its next waiter left it free.
    await this.options.scheduler.openNextWaiters();
  }

  /** No lease expires until the database has answered again and one more TTL has passed. */
  private pauseExpiry(): void {
    this.databaseAway = true;
    this.armedAt = this.now() + this.options.leaseTtlMs;
  }

  /**
   * Re-offers every queued job whose offer the stream no longer holds, however
   * recently it was offered: called once the jobs stream was created again, as
   * everything the old one held is gone. Throws on database or NATS failure.
   */
  async republishLostOffers(): Promise<void> {
    await this.republishMissingOffers(0);
  }

  /**
   * A queued job whose published offer is no longer in the stream (lost
   * inside NATS, e.g. a crash before the file store synced) would wait forever. Per queue, compare the queued jobs with the offers the stream
   * holds; re-offer the missing ones, longest-waiting first, once they waited
   * `olderThanMs`. Never adds offers beyond the queued jobs, so a queue
   * nobody serves does not grow the stream.
   */
  private async republishMissingOffers(olderThanMs: number): Promise<void> {
    const { db } = this.options;
    for (const { queue, queued, stale, staleReoffered } of await countQueuedByQueue(db, olderThanMs)) {
      if (stale === 0) continue;
      const missing = queued - (await this.options.countOffers(queue));
      if (missing <= 0) continue;
      if (staleReoffered > 0 && this.options.moveConsumer) {
        // Offered again a while ago, and still not among what the consumer can hand out: it is stuck.
        await this.options.moveConsumer(queue).then(
          () => this.options.log.warn({ queue }, 'offers published again still not delivered: job consumer moved'),
          (error: unknown) => this.options.log.warn({ queue, err: error }, 'cannot move the job consumer'),
        );
      }
      const republished = await db.transaction((tx) =>
        republishStaleOffers(tx, queue, olderThanMs, Math.min(missing, stale, 500)),
      );
      if (republished > 0) {
        this.options.log.warn({ queue, jobs: republished }, 'offers missing from the stream, re-published');
        this.options.wakeRelay();
      }
    }
  }

  /**
   * Ends every running attempt of `agentId` as lost, at once (no grace: the
   * caller already waited). `onlyIfAgentGoneMs`: each only while the agent
   * is still gone for that grace (see JobLifecycle.endLostAttempt).
   */
  async reapAgent(agentId: string, reason: string, options: { onlyIfAgentGoneMs?: number } = {}): Promise<number> {
    const leases = await findLeasesOfAgent(this.options.db, agentId);
    let ended = 0;
    for (const lease of leases) {
      if (await this.options.lifecycle.endLostAttempt(lease, reason, options)) ended++;
    }
    if (ended > 0) this.options.log.warn({ agentId, attempts: ended, reason }, 'attempts of a lost agent ended');
    return ended;
  }

  private async reapExpiredLeases(): Promise<void> {
    for (;;) {
      const expired = await findExpiredLeases(this.options.db, 100);
      for (const lease of expired) {
        if (await this.options.lifecycle.endLostAttempt(lease, 'lease expired: agent stopped heartbeating')) {
          this.options.metrics?.leaseExpired();
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
