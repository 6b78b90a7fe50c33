/**
 * What people do to runs besides approving: cancel a run, retry a finished
 * job (re-opening the run), drain or revoke an agent. Each change is one transaction
 * holding the run lock, and the caller's audit event is written in that same
 * transaction (both land or neither); agents are told through control
 * messages after commit.
 */
import type { AgentControlMessage } from '@gantry/proto';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import type { Stage } from '../domain/run.js';
import { isTerminalJob, isTerminalRun } from '../domain/states.js';
import { revokeAgent } from '../store/agent-credentials-repository.js';
import { setDrainRequested } from '../store/agents-repository.js';
import type { Database, Transaction } from '../store/database.js';
import {
  cancelJobsOfRun,
  findJobOfRun,
  queueJobs,
  resetJobsToPending,
  returnJobToPending,
} from '../store/jobs-repository.js';
import { findLeasesOfAgent } from '../store/leases-repository.js';
import type { OutboxMessage } from '../store/outbox-repository.js';
import {
  listStagesOfRun,
  lockRun,
  reopenStages,
  setRunCancelRequested,
  setRunStatus,
  setStageStatus,
} from '../store/runs-repository.js';
import { advanceRun } from './advance-run.js';
import type { JobLifecycle } from './job-lifecycle.js';
import type { Scheduler } from './scheduler.js';

export interface RunControlDeps {
  db: Database;
  scheduler: Scheduler;
  publishControl: (agentId: string, message: AgentControlMessage) => void;
  /** Ends the running attempts of a revoked agent. */
  lifecycle: JobLifecycle;
}

/** Writes the audit event of a change inside the transaction that makes it. */
export type AuditWriter<Details = void> = (tx: Transaction, details: Details) => Promise<void>;

export class RunControl {
  constructor(private readonly deps: RunControlDeps) {}

  /**
   * Cancels a run: queued and pending jobs end `canceled` now; running ones are
   * stopped by their agents (SIGTERM, grace, SIGKILL) and report `canceled`.
   * 409 when the run already ended. `audit` gets how many running jobs are
   * being stopped.
   */
  async cancelRun(runId: string, audit?: AuditWriter<{ stoppingJobs: number }>): Promise<{ stopping: number }> {
    const outcome = await this.deps.db.transaction(async (tx) => {
      const run = await lockRun(tx, runId);
      if (!run) throw new NotFoundError(`run "${runId}" not found`);
      if (isTerminalRun(run.status)) throw new ConflictError(`run ${runId} already ended ${run.status}`);
      await setRunCancelRequested(tx, runId, true);
      const running = await cancelJobsOfRun(tx, runId);
      if (run.status === 'queued') await setRunStatus(tx, runId, 'canceled');
      const advanced = await advanceRun(tx, runId);
      await audit?.(tx, { stoppingJobs: running.length });
      return { running, advanced };
    });
    for (const lease of outcome.running) {
      if (lease.agentId) {
        this.deps.publishControl(lease.agentId, { type: 'cancel', jobId: lease.jobId, attempt: lease.attempt });
      }
    }
    this.deps.scheduler.afterCommit(runId, [], 1, outcome.advanced);
    return { stopping: outcome.running.length };
  }

  /**
   * Runs a finished job again as its next attempt. The job's stage must be the
   * last one that ran; the run re-opens and later stages that were skipped or
   * canceled become pending again (not those their `if:` skipped). A stage with a concurrency group that it no
   * longer holds waits for the group again before the job is queued. A stage
   * that never opened opens as any stage does, through its gate (see
   * refuseUnopenedStage).
   */
  async retryJob(runId: string, jobId: string, audit?: AuditWriter): Promise<void> {
    const outcome = await this.deps.db.transaction(async (tx) => {
      const run = await lockRun(tx, runId);
      if (!run) throw new NotFoundError(`run "${runId}" not found`);
      const job = await findJobOfRun(tx, runId, jobId);
      if (!job) throw new NotFoundError(`run ${runId} has no job "${jobId}"`);
      if (!isTerminalJob(job.status))
        throw new ConflictError(`job "${job.name}" is ${job.status}; only a finished job can be retried`);
      const stages = await listStagesOfRun(tx, runId);
      const position = stages.findIndex((stage) => stage.id === job.stageId);
      const stage = stages[position];
      if (!stage) throw new NotFoundError(`run ${runId} has no stage for job "${jobId}"`);
      const later = stages.slice(position + 1);
      if (later.some((next) => !['pending', 'skipped', 'canceled'].includes(next.status))) {
        throw new ConflictError(`a later stage of run ${runId} already ran; retry a job of the last stage that ran`);
      }
      if (stage.startedAt === null) refuseUnopenedStage(stage, stages.slice(0, position));
      await setRunCancelRequested(tx, runId, false);
      // A stage its `if:` skipped at planning stays skipped: the run's ref still does not meet it.
      const reopened = later.filter((next) => next.skipReason === null).map((next) => next.id);
      // A job whose stage never opened (the run was canceled before it, at its
      // gate say) opens the stage again from the start: advanceRun applies its
      // gate, its environment's protection and its concurrency group as for any stage.
      const opensAgain = stage.startedAt === null ? [stage.id, ...reopened] : reopened;
      await reopenStages(tx, opensAgain);
      await resetJobsToPending(tx, opensAgain);
      let requeued: OutboxMessage[] = [];
      if (stage.startedAt === null) {
        await setRunStatus(tx, runId, 'running');
      } else if (stage.concurrency && stage.status !== 'running') {
        // advanceRun queues the job once the stage holds its group again.
        await setRunStatus(tx, runId, 'waiting_for_concurrency');
        await setStageStatus(tx, [job.stageId], 'waiting_for_concurrency');
        await returnJobToPending(tx, job.id);
      } else {
        await setRunStatus(tx, runId, 'running');
        await setStageStatus(tx, [job.stageId], 'running');
        requeued = await queueJobs(tx, [job.id]);
      }
      const advanced = await advanceRun(tx, runId);
      await audit?.(tx);
      return { queued: [...requeued, ...advanced.offers], advanced };
    });
    this.deps.scheduler.afterCommit(runId, outcome.queued, 1, outcome.advanced);
  }

  /** Asks an agent to stop taking jobs, finish what it runs, and exit. */
  async drainAgent(agentId: string, audit?: AuditWriter): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      if (!(await setDrainRequested(tx, agentId))) throw new NotFoundError(`agent "${agentId}" not found`);
      await audit?.(tx);
    });
    this.deps.publishControl(agentId, { type: 'drain' });
  }

  /**
   * Revokes the agent named (or with the id) `agent`: from the commit on,
   * every call with its credential is refused; then each of its running
   * attempts is fenced (ended `lost`, so the job runs again elsewhere within
   * `retry.lost`, or fails), and the agent is told to drain. Idempotent; the
   * audit event is written only by the first revocation. An attempt whose
   * claim raced the revocation is fenced by its lease expiring instead: its
   * heartbeats are refused.
   */
  async revokeAgent(
    agent: string,
    audit?: AuditWriter<{ id: string; name: string }>,
  ): Promise<{ id: string; name: string; fencedAttempts: number }> {
    const revoked = await this.deps.db.transaction(async (tx) => {
      const outcome = await revokeAgent(tx, agent);
      if (!outcome) throw new NotFoundError(`agent "${agent.slice(0, 128)}" not found`);
      if (!outcome.alreadyRevoked) await audit?.(tx, { id: outcome.id, name: outcome.name });
      return outcome;
    });
    let fencedAttempts = 0;
    for (const lease of await findLeasesOfAgent(this.deps.db, revoked.id)) {
      if (await this.deps.lifecycle.endLostAttempt(lease, `agent ${revoked.name} was revoked`)) fencedAttempts++;
    }
    this.deps.publishControl(revoked.id, { type: 'drain' });
    return { id: revoked.id, name: revoked.name, fencedAttempts };
  }
}

/**
 * A job whose stage never opened may be retried only when the stage would open
 * now: the stages before it succeeded (or were skipped), and the stage was not
 * skipped by its `if:`, rejected at its gate or superseded there. Retrying it
 * never passes the gate: the stage waits for its approvals again.
 */
function refuseUnopenedStage(stage: Stage, earlier: readonly Stage[]): void {
  if (stage.skipReason !== null) {
    throw new ConflictError(`stage "${stage.name}" was skipped (${stage.skipReason}); its jobs cannot be retried`);
  }
  if (stage.status === 'rejected' || stage.status === 'superseded') {
    throw new ConflictError(`stage "${stage.name}" was ${stage.status} at its gate; trigger a new run`);
  }
  const unfinished = earlier.find((before) => before.status !== 'succeeded' && before.status !== 'skipped');
  if (unfinished) {
    throw new ConflictError(
      `stage "${stage.name}" never started and stage "${unfinished.name}" before it is ${unfinished.status}; retry a job of the last stage that ran`,
    );
  }
}
