/** Lifecycle words (docs/architecture.md, "Lifecycles"); the API shows these strings. */

export const runStatuses = [
  'queued',
  'running',
  'awaiting_approval',
  /** A stage waits for its concurrency group (another run's stage holds it). */
  'waiting_for_concurrency',
  'succeeded',
  'failed',
  'canceled',
  'rejected',
  /** A newer run of the same pipeline reached the gate this run waited at (`supersede: true`). */
  'superseded',
] as const;
export type RunStatus = (typeof runStatuses)[number];

export const stageStatuses = [
  'pending',
  'awaiting_approval',
  'waiting_for_concurrency',
  'running',
  'succeeded',
  'failed',
  'canceled',
  'rejected',
  'superseded',
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
  return (
    status === 'succeeded' ||
    status === 'failed' ||
    status === 'canceled' ||
    status === 'rejected' ||
    status === 'superseded'
  );
}

export function isTerminalStage(status: StageStatus): boolean {
  return !(
    status === 'pending' ||
    status === 'awaiting_approval' ||
    status === 'waiting_for_concurrency' ||
    status === 'running'
  );
}

export function isTerminalJob(status: JobStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'canceled' || status === 'timed_out';
}
