/** Pure: what changed between two polls of a run, as the lines `gantry trigger --follow` prints. */
import type { JobStatus, StageStatus } from '../../domain/states.js';
import { isTerminalStage } from '../../domain/states.js';
import type { JobView, RunDetail, StageView } from './api-types.js';
import { durationBetween, formatDuration } from './format.js';

/** What the previous poll saw; stages or jobs it did not list count as `pending`. */
export type RunProgress = Pick<RunDetail, 'status' | 'stages'>;

/**
 * One line per run, stage and job whose state changed since `previous`, in
 * pipeline order. Pending stages and jobs are not announced. The run's own
 * terminal and `awaiting_approval` states are left to the caller, which ends
 * or pauses on them.
 */
export function describeProgress(previous: RunProgress, next: RunDetail): string[] {
  const lines: string[] = [];
  if (next.status !== previous.status && (next.status === 'queued' || next.status === 'running')) {
    lines.push(`run ${next.id} ${next.status}`);
  }
  const before = indexProgress(previous);
  const width = Math.max(
    0,
    ...next.stages
      .flatMap((stage) => [stage.name, ...stage.jobs.map((job) => jobLabel(stage, job))])
      .map((label) => label.length),
  );
  for (const stage of next.stages) {
    const stageLines = stageChanged(before.stages.get(stage.name) ?? 'pending', stage)
      ? [describeStage(stage, width)]
      : [];
    const jobLines = stage.jobs
      .filter((job) => jobChanged(before.jobs.get(job.id), job))
      .map((job) => describeJob(stage, job, width));
    // A stage that finished in this poll is reported after the jobs that finished it.
    lines.push(...(isTerminalStage(stage.status) ? [...jobLines, ...stageLines] : [...stageLines, ...jobLines]));
  }
  return lines;
}

export function jobLabel(stage: StageView, job: JobView): string {
  return `${stage.name}/${job.name}`;
}

function indexProgress(progress: RunProgress): {
  stages: Map<string, StageStatus>;
  jobs: Map<string, { status: JobStatus; attempt: number }>;
} {
  const stages = new Map<string, StageStatus>();
  const jobs = new Map<string, { status: JobStatus; attempt: number }>();
  for (const stage of progress.stages) {
    stages.set(stage.name, stage.status);
    for (const job of stage.jobs) jobs.set(job.id, { status: job.status, attempt: job.attempt });
  }
  return { stages, jobs };
}

function stageChanged(before: StageStatus, stage: StageView): boolean {
  return stage.status !== before && stage.status !== 'pending';
}

function jobChanged(before: { status: JobStatus; attempt: number } | undefined, job: JobView): boolean {
  if (before === undefined) return job.status !== 'pending';
  return before.status !== job.status || before.attempt !== job.attempt;
}

function describeStage(stage: StageView, width: number): string {
  const showEnvironment =
    stage.environment !== null && (stage.status === 'awaiting_approval' || stage.status === 'running');
  const details = showEnvironment ? [`(environment ${stage.environment})`] : [];
  if (stage.status === 'waiting_for_concurrency' && stage.concurrency) {
    const holder = stage.concurrency.waitingFor;
    details.push(`(group ${stage.concurrency.group}${holder ? `, held by run ${holder.runId}` : ''})`);
  }
  return formatLine(stage.name, width, stage.status, details);
}

function describeJob(stage: StageView, job: JobView, width: number): string {
  const details: string[] = [];
  if (job.attempt > 1) details.push(`attempt ${job.attempt}`);
  if (job.status === 'running' && job.agentId) details.push(`(agent ${job.agentId})`);
  if (job.exitCode !== null && (job.status === 'succeeded' || job.status === 'failed'))
    details.push(`exit ${job.exitCode}`);
  const durationMs = job.status === 'running' ? undefined : durationBetween(job.startedAt, job.finishedAt);
  if (durationMs !== undefined) details.push(formatDuration(durationMs));
  return formatLine(jobLabel(stage, job), width, job.status, details);
}

function formatLine(label: string, width: number, status: string, details: readonly string[]): string {
  return ['', label.padEnd(width), status.padEnd('succeeded'.length), ...details].join('  ').trimEnd();
}
