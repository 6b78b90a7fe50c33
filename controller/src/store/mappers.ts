/** Row → domain conversions; the only place that knows both shapes. */
import type { Approval, Job, Run, Stage } from '../domain/run.js';
import type { JobStatus, RunStatus, StageStatus } from '../domain/states.js';
import type { ApprovalPolicy, JobDefinition } from '../pipeline/model.js';
import type { approvals, jobs, runs, stages } from './schema.js';

export function toRun(row: typeof runs.$inferSelect): Run {
  return {
    id: row.id,
    repo: row.repo,
    ref: row.ref,
    fullRef: row.fullRef,
    sha: row.sha,
    status: row.status as RunStatus,
    pipelineName: row.pipelineName,
    error: row.error,
    triggeredBy: row.triggeredBy,
    authorEmail: row.authorEmail,
    committerEmail: row.committerEmail,
    authorName: row.authorName,
    commitSubject: row.commitSubject,
    cancelRequested: row.cancelRequested,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

export function toStage(row: typeof stages.$inferSelect): Stage {
  return {
    id: row.id,
    runId: row.runId,
    position: row.position,
    name: row.name,
    status: row.status as StageStatus,
    environment: row.environment,
    approval: (row.approval as ApprovalPolicy | null) ?? null,
    approvalRequestedAt: row.approvalRequestedAt,
    concurrency: row.concurrency,
    supersede: row.supersede,
    skipReason: row.skipReason,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

export function toJob(row: typeof jobs.$inferSelect): Job {
  return {
    id: row.id,
    runId: row.runId,
    stageId: row.stageId,
    position: row.position,
    name: row.name,
    queue: row.queue,
    status: row.status as JobStatus,
    attempt: row.attempt,
    spec: row.spec as JobDefinition,
    agentId: row.agentId,
    cancelRequested: row.cancelRequested,
    exitCode: row.exitCode,
    message: row.message,
    queuedAt: row.queuedAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

export function toApproval(row: typeof approvals.$inferSelect): Approval {
  return {
    id: row.id,
    decision: row.decision as Approval['decision'],
    approver: row.approver,
    comment: row.comment,
    sha: row.sha,
    artifacts: row.artifacts,
    createdAt: row.createdAt,
  };
}
