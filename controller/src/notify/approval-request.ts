/**
 * The JSON a stage's approval request is announced with: what waits, for
 * whom, and where to decide. Built from the database after the commit that
 * opened the gate; null when the run or stage is gone or no longer waits.
 */
import type { Database } from '../store/database.js';
import { findRun, listStagesOfRun } from '../store/runs-repository.js';

export interface ApprovalRequest {
  event: 'approval.requested';
  runId: string;
  stage: string;
  environment: string | null;
  repo: string;
  ref: string;
  sha: string | null;
  /** First line of the commit message, when known. */
  commitSubject: string | null;
  triggeredBy: string;
  /** Token names or `role:NAME` from the pipeline file; empty: anyone with the `approve` role. */
  approvers: string[];
  /** A protected environment's approvers, whom a decider must match as well; null when not protected. */
  protectionApprovers: string[] | null;
  required: number;
  /** The run's page. */
  url: string;
  /** The run in the HTTP API. */
  apiUrl: string;
  /** When the stage began awaiting approval (ISO 8601). */
  requestedAt: string | null;
}

export async function readApprovalRequest(
  db: Database,
  runId: string,
  stageId: string,
  publicUrl: string,
): Promise<ApprovalRequest | null> {
  const run = await findRun(db, runId);
  const stage = run ? (await listStagesOfRun(db, runId)).find((candidate) => candidate.id === stageId) : undefined;
  if (!run || !stage?.approval || stage.status !== 'awaiting_approval') return null;
  return {
    event: 'approval.requested',
    runId: run.id,
    stage: stage.name,
    environment: stage.environment,
    repo: run.repo,
    ref: run.ref,
    sha: run.sha,
    commitSubject: run.commitSubject,
    triggeredBy: run.triggeredBy,
    approvers: stage.approval.approvers,
    protectionApprovers: stage.approval.protection?.approvers ?? null,
    required: stage.approval.required,
    url: `${publicUrl}/runs/${run.id}`,
    apiUrl: `${publicUrl}/api/runs/${run.id}`,
    requestedAt: stage.approvalRequestedAt?.toISOString() ?? null,
  };
}
