/**
 * The production gate: approve or reject a stage that is awaiting approval.
 * Every decision is an audit row written in the same transaction as the
 * state change. Role and self-approval policy arrive with the approval-policy
 * issue; today any holder of the admin token decides.
 */

import { ConflictError, NotFoundError } from '../domain/errors.js';
import type { Approval } from '../domain/run.js';
import { recordDecision } from '../store/approvals-repository.js';
import type { Database } from '../store/database.js';
import { findStageByName, lockRun, setStageStatus } from '../store/runs-repository.js';
import { advanceRun } from './advance-run.js';
import type { Scheduler } from './scheduler.js';

export interface Decision {
  runId: string;
  stageName: string;
  approver: string;
  comment: string | null;
  decision: Approval['decision'];
}

export async function decideStage(db: Database, scheduler: Scheduler, input: Decision): Promise<Approval> {
  const outcome = await db.transaction(async (tx) => {
    const run = await lockRun(tx, input.runId);
    if (!run) throw new NotFoundError(`run "${input.runId}" not found`);
    const stage = await findStageByName(tx, input.runId, input.stageName);
    if (!stage) throw new NotFoundError(`run ${input.runId} has no stage "${input.stageName}"`);
    if (!stage.approval) throw new ConflictError(`stage "${stage.name}" has no approval gate`);
    if (stage.status !== 'awaiting_approval') {
      throw new ConflictError(`stage "${stage.name}" is ${stage.status}, not awaiting_approval`);
    }
    const approval = await recordDecision(tx, {
      runId: run.id,
      stageId: stage.id,
      decision: input.decision,
      approver: input.approver,
      comment: input.comment,
      sha: run.sha ?? '',
    });
    if (input.decision === 'rejected') await setStageStatus(tx, [stage.id], 'rejected');
    const advanced = await advanceRun(tx, run.id);
    return { approval, queued: advanced.queuedJobs };
  });
  scheduler.afterCommit(input.runId, outcome.queued, 1);
  return outcome.approval;
}
