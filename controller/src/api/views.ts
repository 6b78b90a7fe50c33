/** Domain → JSON shapes of the public API. */
import type { JobDetail, Run, RunDetail, StageDetail } from '../domain/run.js';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function runSummaryView(run: Run, baseUrl: string) {
  return {
    id: run.id,
    status: run.status,
    repo: run.repo,
    ref: run.ref,
    sha: run.sha,
    pipeline: run.pipelineName,
    error: run.error,
    triggeredBy: run.triggeredBy,
    cancelRequested: run.cancelRequested,
    url: `${baseUrl}/api/runs/${run.id}`,
    createdAt: iso(run.createdAt),
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
  };
}

export function runDetailView(run: RunDetail, baseUrl: string) {
  return { ...runSummaryView(run, baseUrl), stages: run.stages.map(stageView) };
}

function stageView(stage: StageDetail) {
  return {
    name: stage.name,
    status: stage.status,
    environment: stage.environment,
    approval: stage.approval
      ? {
          required: stage.approval.required,
          approvers: stage.approval.approvers,
          decisions: stage.approvals.map((decision) => ({
            decision: decision.decision,
            approver: decision.approver,
            comment: decision.comment,
            sha: decision.sha,
            at: iso(decision.createdAt),
          })),
        }
      : null,
    startedAt: iso(stage.startedAt),
    finishedAt: iso(stage.finishedAt),
    jobs: stage.jobs.map(jobView),
  };
}

function jobView(job: JobDetail) {
  return {
    id: job.id,
    name: job.name,
    queue: job.queue,
    status: job.status,
    attempt: job.attempt,
    agentId: job.agentId,
    exitCode: job.exitCode,
    message: job.message,
    queuedAt: iso(job.queuedAt),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    attempts: job.attempts.map((attempt) => ({
      attempt: attempt.attempt,
      status: attempt.status,
      agentId: attempt.agentId,
      exitCode: attempt.exitCode,
      message: attempt.message,
      startedAt: iso(attempt.startedAt),
      finishedAt: iso(attempt.finishedAt),
    })),
  };
}
