/**
 * The production gate: approve or reject a stage that is awaiting approval.
 * The gate's policy (approvers, self-approval) is checked by
 * approval-eligibility.ts; `required` counts distinct approvers, so approving
 * twice is answered with the first approval and recorded once. The stage
 * opens once enough distinct approvals exist (advanceRun).
 */

import { approvedArtifactsOf } from '../artifacts/approved-artifacts.js';
import { ConflictError, DomainError, NotFoundError } from '../domain/errors.js';
import type { Principal } from '../domain/identity.js';
import type { Approval } from '../domain/run.js';
import { findApprovalBy, recordDecision } from '../store/approvals-repository.js';
import { artifactsNeededByStage } from '../store/artifacts-repository.js';
import type { Database, Transaction } from '../store/database.js';
import { pendingRollbackRequester } from '../store/deployments-repository.js';
import { findStageByName, lockRun, setStageStatus } from '../store/runs-repository.js';
import { advanceRun, unchanged } from './advance-run.js';
import { refusalOf } from './approval-eligibility.js';
import type { Scheduler } from './scheduler.js';

export interface Decision {
  runId: string;
  stageName: string;
  principal: Principal;
  comment: string | null;
  decision: Approval['decision'];
  /** Writes the decision's audit event in the transaction that records it, so neither lands alone. */
  audit?: (tx: Transaction, approval: Approval) => Promise<void>;
}

/** The caller may not decide this gate (403); the message says why. Nothing was changed. */
export class ApprovalRefusedError extends DomainError {
  override readonly name = 'ApprovalRefusedError';
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

export async function decideStage(db: Database, scheduler: Scheduler, input: Decision): Promise<Approval> {
  const outcome = await db.transaction(async (tx) => {
    const run = await lockRun(tx, input.runId);
    if (!run) throw new NotFoundError(`run "${input.runId}" not found`);
    const stage = await findStageByName(tx, input.runId, input.stageName);
    if (!stage) throw new NotFoundError(`run ${input.runId} has no stage "${input.stageName}"`);
    if (!stage.approval) throw new ConflictError(`stage "${stage.name}" has no approval gate`);
    const approver = input.principal.name;
    if (input.decision === 'approved') {
      const earlier = await findApprovalBy(tx, stage.id, approver);
      if (earlier) return { approval: earlier, advanced: unchanged() };
    }
    if (stage.status !== 'awaiting_approval') {
      throw new ConflictError(`stage "${stage.name}" is ${stage.status}, not awaiting_approval`);
    }
    const rollbackRequestedBy = await pendingRollbackRequester(tx, stage.id);
    const refusal = refusalOf(input.principal, input.decision, stage.name, stage.approval, {
      ...run,
      rollbackRequestedBy,
    });
    if (refusal) throw new ApprovalRefusedError(refusal);
    // The approval binds to the commit and to the artifacts the gated jobs are to receive now.
    const artifacts =
      input.decision === 'approved' ? approvedArtifactsOf(await artifactsNeededByStage(tx, stage.id)) : [];
    const approval = await recordDecision(tx, {
      runId: run.id,
      stageId: stage.id,
      decision: input.decision,
      approver,
      comment: input.comment,
      sha: run.sha ?? '',
      artifacts,
    });
    await input.audit?.(tx, approval);
    if (input.decision === 'rejected') await setStageStatus(tx, [stage.id], 'rejected');
    return { approval, advanced: await advanceRun(tx, run.id) };
  });
  scheduler.afterCommit(input.runId, outcome.advanced.offers, 1, outcome.advanced);
  return outcome.approval;
}
