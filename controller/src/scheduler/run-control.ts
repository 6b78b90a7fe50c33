/**
 * What people do to runs besides approving: cancel a run, retry a finished
 * job (re-opening the run), drain an agent. Each change is one transaction
 * holding the run lock, and the caller's audit event is written in that same
 * transaction (both land or neither); agents are told through control
 * messages after commit.
 */
import type { AgentControlMessage } from '@gantry/proto';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import { isTerminalJob, isTerminalRun } from '../domain/states.js';
import { setDrainRequested } from '../store/agents-repository.js';
import type { Database, Transaction } from '../store/database.js';
import {
  cancelJobsOfRun,
  findJobOfRun,
  queueJobs,
  resetJobsToPending,
  returnJobToPending,
} from '../store/jobs-repository.js';
import {
  listStagesOfRun,
  lockRun,
  setRunCancelRequested,
  setRunStatus,
  setStageStatus,
} from '../store/runs-repository.js';
import { advanceRun } from './advance-run.js';
import type { Scheduler } from './scheduler.js';

export interface RunControlDeps {
  db: Database;
  scheduler: Scheduler;
  publishControl: (agentId: string, message: AgentControlMessage) => void;
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
    this.deps.scheduler.afterCommit(runId, 0, 1, outcome.advanced);
    return { stopping: outcome.running.length };
  }

  /**
   * Runs a finished job again as its next attempt. The job's stage must be the
   * last one that ran; the run re-opens and later stages that were skipped or
   * canceled become pending again. A stage with a concurrency group that it no
   * longer holds waits for the group again before the job is queued.
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
      const later = stages.slice(position + 1);
      if (later.some((next) => !['pending', 'skipped', 'canceled'].includes(next.status))) {
        throw new ConflictError(`a later stage of run ${runId} already ran; retry a job of the last stage that ran`);
      }
      await setRunCancelRequested(tx, runId, false);
      const reopened = later.map((next) => next.id);
      await setStageStatus(tx, reopened, 'pending');
      await resetJobsToPending(tx, reopened);
      let requeued = 0;
      if (stage?.concurrency && stage.status !== 'running') {
        // advanceRun queues the job once the stage holds its group again.
        await setRunStatus(tx, runId, 'waiting_for_concurrency');
        await setStageStatus(tx, [job.stageId], 'waiting_for_concurrency');
        await returnJobToPending(tx, job.id);
      } else {
        await setRunStatus(tx, runId, 'running');
        await setStageStatus(tx, [job.stageId], 'running');
        requeued = (await queueJobs(tx, [job.id])).length;
      }
      const advanced = await advanceRun(tx, runId);
      await audit?.(tx);
      return { queued: requeued + advanced.queuedJobs, advanced };
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
}
