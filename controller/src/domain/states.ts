/** Lifecycle words (docs/architecture.md, "Lifecycles"); the API shows these strings. */

export const runStatuses = [
  'queued',
  'running',
  'awaiting_approval',
  'succeeded',
  'failed',
  'canceled',
  'rejected',
] as const;
export type RunStatus = (typeof runStatuses)[number];

export const stageStatuses = [
  'pending',
  'awaiting_approval',
  'running',
  'succeeded',
  'failed',
  'canceled',
  'rejected',
  'skipped',
] as const;
export type StageStatus = (typeof stageStatuses)[number];

export const jobStatuses = ['pending', 'queued', 'running', 'succeeded', 'failed', 'canceled', 'timed_out'] as const;
export type JobStatus = (typeof jobStatuses)[number];

/** How one attempt ended; `lost` = its agent vanished and the lease expired. */
export const attemptStatuses = ['running', 'succeeded', 'failed', 'canceled', 'timed_out', 'lost'] as const;
export type AttemptStatus = (typeof attemptStatuses)[number];

/** Results an agent may report in FinishJob. */
export const jobResults = ['succeeded', 'failed', 'timed_out', 'canceled'] as const;
export type JobResult = (typeof jobResults)[number];

export function isTerminalRun(status: RunStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'canceled' || status === 'rejected';
}

export function isTerminalStage(status: StageStatus): boolean {
  return !(status === 'pending' || status === 'awaiting_approval' || status === 'running');
}

export function isTerminalJob(status: JobStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'canceled' || status === 'timed_out';
}
