/**
 * Rollback: deploy an earlier run again. The run's stage for the environment
 * runs once more with the run's own commit and the very artifacts its build
 * kept (the jobs download them from the same run), through the same gate:
 * the stage waits for approval again as its policy and the environment's
 * protection say, and earlier approvals do not count. The deployment history
 * shows it as a rollback with who asked. One transaction holding the run
 * lock; the caller's audit event is written in it.
 */
import { ConflictError, NotFoundError } from '../domain/errors.js';
import { isTerminalRun } from '../domain/states.js';
import { artifactNeedsOfStage, artifactsNeededByStage } from '../store/artifacts-repository.js';
import type { Database, Transaction } from '../store/database.js';
import {
  lastSucceededDeploymentOfStage,
  reopenStageForRollback,
  requestRollback,
} from '../store/deployments-repository.js';
import { listStagesOfRun, lockRun, setRunCancelRequested, setRunStatus } from '../store/runs-repository.js';
import { advanceRun } from './advance-run.js';
import type { Scheduler } from './scheduler.js';

export interface RollbackRequest {
  runId: string;
  environment: string;
  requestedBy: string;
  audit?: (tx: Transaction, details: { deploymentId: string; stage: string; sha: string }) => Promise<void>;
}

export interface RollbackOutcome {
  deploymentId: string;
  stage: string;
  sha: string;
  /** Where the run went: `awaiting_approval` at a gate, else `running`. */
  status: string;
}

export async function rollBack(
  deps: { db: Database; scheduler: Scheduler },
  request: RollbackRequest,
): Promise<RollbackOutcome> {
  const { runId, environment } = request;
  const outcome = await deps.db.transaction(async (tx) => {
    const run = await lockRun(tx, runId);
    if (!run) throw new NotFoundError(`run "${runId}" not found`);
    if (!isTerminalRun(run.status)) {
      throw new ConflictError(`run ${runId} is ${run.status}; only a finished run can be deployed again`);
    }
    const stage = (await listStagesOfRun(tx, runId))
      .filter((candidate) => candidate.environment === environment)
      .at(-1);
    if (!stage) throw new NotFoundError(`run ${runId} has no stage deploying to "${environment}"`);
    if (!(await lastSucceededDeploymentOfStage(tx, stage.id))) {
      throw new ConflictError(
        `run ${runId} never deployed to "${environment}"; only a deployed run can be rolled back to`,
      );
    }
    // Its jobs would fail at their downloads, after a gate approved them. A deploy that succeeded
    // had every job it needs keep files (a job that kept none fails it), and those jobs cannot be
    // retried since: a needed job without files now is one whose files `gantry gc` forgot.
    const kept = new Set((await artifactsNeededByStage(tx, stage.id)).map((artifact) => artifact.jobName));
    const gone = (await artifactNeedsOfStage(tx, stage.id)).filter((job) => !kept.has(job));
    if (gone.length > 0) {
      throw new ConflictError(
        `run ${runId} no longer has the artifacts of ${gone.map((job) => `job "${job}"`).join(', ')} (collected by gantry gc?): it cannot be deployed again`,
      );
    }
    await reopenStageForRollback(tx, stage.id);
    await setRunCancelRequested(tx, runId, false);
    await setRunStatus(tx, runId, 'running');
    const sha = run.sha ?? '';
    const deploymentId = await requestRollback(tx, {
      environment,
      runId,
      stageId: stage.id,
      sha,
      requestedBy: request.requestedBy,
    });
    const advanced = await advanceRun(tx, runId);
    await request.audit?.(tx, { deploymentId, stage: stage.name, sha });
    const reopened = await lockRun(tx, runId);
    return { deploymentId, stage: stage.name, sha, status: reopened?.status ?? 'running', advanced };
  });
  deps.scheduler.afterCommit(runId, outcome.advanced.offers, 1, outcome.advanced);
  return { deploymentId: outcome.deploymentId, stage: outcome.stage, sha: outcome.sha, status: outcome.status };
}
