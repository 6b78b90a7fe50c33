/**
 * What people do to runs besides approving: cancel a run, retry a finished
 * job (re-opening the run), drain an agent. Each change is one transaction
 * holding the run lock; agents are told through control messages after commit.
 */
import type { AgentControlMessage } from '@gantry/proto';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import { isTerminalJob, isTerminalRun } from '../domain/states.js';
import { setDrainRequested } from '../store/agents-repository.js';
import type { Database } from '../store/database.js';
import { cancelJobsOfRun, findJobOfRun, queueJobs, resetJobsToPending } from '../store/jobs-repository.js';
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

export class RunControl {
  constructor(private readonly deps: RunControlDeps) {}

  /**
   * Cancels a run: queued and pending jobs end `canceled` now; running ones are
   * stopped by their agents (SIGTERM, grace, SIGKILL) and report `canceled`.
   * 409 when the run already ended.
   */
  async cancelRun(runId: string): Promise<{ stopping: number }> {
    const outcome = await this.deps.db.transaction(async (tx) => {
      const run = await lockRun(tx, runId);
      if (!run) throw new NotFoundError(`run "${runId}" not found`);
      if (isTerminalRun(run.status)) throw new ConflictError(`run ${runId} already ended ${run.status}`);
      await setRunCancelRequested(tx, runId, true);
      const running = await cancelJobsOfRun(tx, runId);
      if (run.status === 'queued') await setRunStatus(tx, runId, 'canceled');
      await advanceRun(tx, runId);
      return running;
    });
    for (const lease of outcome) {
      if (lease.agentId) {
        this.deps.publishControl(lease.agentId, { type: 'cancel', jobId: lease.jobId, attempt: lease.attempt });
      }
    }
    this.deps.scheduler.afterCommit(runId, 0, 1);
    return { stopping: outcome.length };
  }

  /**
   * Runs a finished job again as its next attempt. The job's stage must be the
   * last one that ran; the run re-opens (`running`) and later stages that were
   * skipped or canceled become pending again.
   */
  async retryJob(runId: string, jobId: string): Promise<void> {
    const queued = await this.deps.db.transaction(async (tx) => {
      const run = await lockRun(tx, runId);
      if (!run) throw new NotFoundError(`run "${runId}" not found`);
      const job = await findJobOfRun(tx, runId, jobId);
      if (!job) throw new NotFoundError(`run ${runId} has no job "${jobId}"`);
      if (!isTerminalJob(job.status))
        throw new ConflictError(`job "${job.name}" is ${job.status}; only a finished job can be retried`);
      const stages = await listStagesOfRun(tx, runId);
      const position = stages.findIndex((stage) => stage.id === job.stageId);
      const later = stages.slice(position + 1);
      if (later.some((stage) => !['pending', 'skipped', 'canceled'].includes(stage.status))) {
        throw new ConflictError(`a later stage of run ${runId} already ran; retry a job of the last stage that ran`);
      }
      await setRunCancelRequested(tx, runId, false);
      await setRunStatus(tx, runId, 'running');
      await setStageStatus(tx, [job.stageId], 'running');
      const reopened = later.map((stage) => stage.id);
      await setStageStatus(tx, reopened, 'pending');
      await resetJobsToPending(tx, reopened);
      const requeued = await queueJobs(tx, [job.id]);
      const advanced = await advanceRun(tx, runId);
      return requeued.length + advanced.queuedJobs;
    });
    this.deps.scheduler.afterCommit(runId, queued, 1);
  }

  /** Asks an agent to stop taking jobs, finish what it runs, and exit. */
  async drainAgent(agentId: string): Promise<void> {
    if (!(await setDrainRequested(this.deps.db, agentId))) throw new NotFoundError(`agent "${agentId}" not found`);
    this.deps.publishControl(agentId, { type: 'drain' });
  }
}
