/**
 * What agents do to jobs, fenced by the lease: claim, heartbeat, logs, step
 * reports, finish. Each write happens only while (jobId, attempt, leaseToken)
 * still holds the job; otherwise StaleLeaseError, which the gRPC edge turns
 * into FAILED_PRECONDITION so the agent kills the attempt.
 */

import { StaleLeaseError } from '../domain/errors.js';
import type { Run } from '../domain/run.js';
import type { JobResult } from '../domain/states.js';
import type { Database } from '../store/database.js';
import {
  type ClaimOutcome,
  claimJob,
  countAttempts,
  finishAttempt,
  type LeaseKey,
  lockHeldLease,
  queueJobs,
  renewLease,
  wasFinishedBy,
} from '../store/jobs-repository.js';
import { appendLogChunks, highestStoredSeq, type LogChunkInput } from '../store/logs-repository.js';
import { findRun } from '../store/runs-repository.js';
import { recordStep } from '../store/steps-repository.js';
import { advanceRun } from './advance-run.js';
import type { Scheduler } from './scheduler.js';

export interface JobLifecycleDeps {
  db: Database;
  scheduler: Scheduler;
  leaseTtlMs: number;
}

export type ClaimResult = (ClaimOutcome & { granted: false }) | (ClaimOutcome & { granted: true; run: Run });

export class JobLifecycle {
  constructor(private readonly deps: JobLifecycleDeps) {}

  async claim(agentId: string, jobId: string, attempt: number): Promise<ClaimResult> {
    const outcome = await this.deps.db.transaction((tx) =>
      claimJob(tx, { jobId, attempt, agentId, leaseTtlMs: this.deps.leaseTtlMs }),
    );
    if (!outcome.granted) return outcome;
    const run = await findRun(this.deps.db, outcome.job.runId);
    if (!run) throw new Error(`job ${jobId} belongs to no run`);
    this.deps.scheduler.afterCommit(run.id, 0, 1);
    return { ...outcome, run };
  }

  async heartbeat(lease: LeaseKey): Promise<{ expiresAt: Date; cancelRequested: boolean }> {
    const renewed = await renewLease(this.deps.db, lease, this.deps.leaseTtlMs);
    if (!renewed) throw new StaleLeaseError(lease.jobId, lease.attempt);
    return renewed;
  }

  /** Stores chunks only while the lease holds; returns the highest stored seq. */
  async appendLogs(lease: LeaseKey, chunks: LogChunkInput[]): Promise<number> {
    return this.deps.db.transaction(async (tx) => {
      if (!(await lockHeldLease(tx, lease))) throw new StaleLeaseError(lease.jobId, lease.attempt);
      await appendLogChunks(tx, lease.jobId, lease.attempt, chunks);
      return highestStoredSeq(tx, lease.jobId, lease.attempt);
    });
  }

  async reportStep(lease: LeaseKey, step: { stepIndex: number; state: string; exitCode: number | null }) {
    await this.deps.db.transaction(async (tx) => {
      if (!(await lockHeldLease(tx, lease))) throw new StaleLeaseError(lease.jobId, lease.attempt);
      await recordStep(tx, lease, step);
    });
  }

  /**
   * Ends the attempt and advances the run; a failed attempt within the job's
   * `retry.failed` budget is queued again as the next attempt. Idempotent for
   * the same lease: a repeated finish is accepted and changes nothing.
   */
  async finish(
    lease: LeaseKey,
    result: { status: JobResult; exitCode: number | null; message: string | null },
  ): Promise<void> {
    const outcome = await this.deps.db.transaction(async (tx) => {
      const job = await finishAttempt(tx, lease, result);
      if (!job) return null;
      let queued = 0;
      if (result.status === 'failed' || result.status === 'timed_out') {
        const failures = (await countAttempts(tx, job.id, 'failed')) + (await countAttempts(tx, job.id, 'timed_out'));
        if (failures <= job.spec.retry.failed) queued = (await queueJobs(tx, [job.id])).length;
      }
      const advanced = await advanceRun(tx, job.runId);
      return { runId: job.runId, queued: queued + advanced.queuedJobs };
    });
    if (!outcome) {
      if (await wasFinishedBy(this.deps.db, lease)) return;
      throw new StaleLeaseError(lease.jobId, lease.attempt);
    }
    this.deps.scheduler.afterCommit(outcome.runId, outcome.queued, 1);
  }
}
