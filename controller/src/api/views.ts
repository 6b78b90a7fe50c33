/** Domain → response objects of the public API, typed by the schemas the OpenAPI document is built from. */
import type { JobDetail, Run, RunDetail as RunDetailRecord, StageDetail } from '../domain/run.js';
import type { AgentJob, Agent as AgentRecord } from '../store/agents-repository.js';
import type { Agent } from './schemas/agents.js';
import type { Job, JobCache, RunDetail, RunSummary, Stage } from './schemas/runs.js';

function iso(date: Date): string;
function iso(date: Date | null): string | null;
function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

export function runSummaryView(run: Run, baseUrl: string): RunSummary {
  return {
    id: run.id,
    status: run.status,
    repo: run.repo,
    ref: run.ref,
    fullRef: run.fullRef,
    sha: run.sha,
    commitSubject: run.commitSubject,
    commitAuthor: run.authorName,
    pipeline: run.pipelineName,
    error: run.error,
    triggeredBy: run.triggeredBy,
    cancelRequested: run.cancelRequested,
    url: `${baseUrl}/runs/${encodeURIComponent(run.id)}`,
    createdAt: iso(run.createdAt),
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
  };
}

/** `caches`: the cache reports of each job's latest attempt, by job id (cacheReportsOfRun). */
export function runDetailView(
  run: RunDetailRecord,
  baseUrl: string,
  caches: ReadonlyMap<string, unknown[]> = new Map(),
): RunDetail {
  return { ...runSummaryView(run, baseUrl), stages: run.stages.map((stage) => stageView(stage, caches)) };
}

function stageView(stage: StageDetail, caches: ReadonlyMap<string, unknown[]>): Stage {
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
    concurrency: stage.concurrency ? { group: stage.concurrency, waitingFor: stage.waitingFor } : null,
    skipReason: stage.skipReason,
    startedAt: iso(stage.startedAt),
    finishedAt: iso(stage.finishedAt),
    jobs: stage.jobs.map((job) => jobView(job, caches.get(job.id) ?? [])),
  };
}

function jobView(job: JobDetail, caches: unknown[]): Job {
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
    caches: caches.map(jobCacheView),
  };
}

/** A CacheReport as the agent sent it (numbers may arrive as strings from 64-bit fields). */
function jobCacheView(stored: unknown): JobCache {
  const report = stored as Record<string, unknown>;
  const text = (name: string) => String(report[name] ?? '');
  const count = (name: string) => Number(report[name] ?? 0) || 0;
  const pick = <T extends string>(name: string, allowed: readonly T[], fallback: T): T =>
    (allowed as readonly string[]).includes(text(name)) ? (text(name) as T) : fallback;
  return {
    key: text('key'),
    restore: pick('restore', ['hit', 'fallback', 'miss', 'skipped'] as const, 'miss'),
    restoredKey: text('restoredKey'),
    restoredScope: text('restoredScope'),
    restoredBytes: count('restoredSize'),
    restoreMs: count('restoreMs'),
    save: pick('save', ['saved', 'not_needed', 'skipped', 'failed'] as const, 'skipped'),
    savedScope: text('savedScope'),
    savedBytes: count('savedSize'),
    saveMs: count('saveMs'),
    message: text('message'),
  };
}

export function agentView(agent: AgentRecord, running: AgentJob[] = []): Agent {
  return {
    id: agent.id,
    name: agent.name,
    hostname: agent.hostname,
    queues: agent.queues,
    slots: agent.slots,
    version: agent.version,
    connected: agent.connected,
    draining: agent.drainRequested,
    revoked: agent.revoked,
    registeredAt: agent.registeredAt.toISOString(),
    lastSeenAt: agent.lastSeenAt.toISOString(),
    jobs: running.map(({ runId, jobId, name, attempt }) => ({ runId, jobId, name, attempt })),
  };
}
