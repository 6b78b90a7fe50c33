/**
 * The run state machine as a pure function: given a snapshot of a run, its
 * stages (in order) and their jobs, say what must change next. No I/O; the
 * caller applies the transitions inside the transaction holding the run lock.
 */
import type { JobStatus, RunStatus, StageStatus } from '../domain/states.js';
import { isTerminalJob, isTerminalRun } from '../domain/states.js';

export interface RunSnapshot {
  status: RunStatus;
  /** A cancel was requested: start nothing more; end the run `canceled` once its jobs stopped. */
  cancelRequested: boolean;
  stages: StageSnapshot[];
}

export interface StageSnapshot {
  id: string;
  status: StageStatus;
  /** Distinct approvers required before the stage may start; 0 = no gate. */
  approvalsRequired: number;
  approvalsGiven: number;
  /** Why the stage may not run at all (a protected environment refuses its ref); it fails when reached. */
  refusal?: string | null;
  /** The stage's concurrency group and whether it holds it now; null/absent = no group. */
  concurrency?: { group: string; held: boolean } | null;
  /** The environment the stage deploys to; null = none (it has no deployments). Absent = unknown. */
  environment?: string | null;
  jobs: { id: string; status: JobStatus }[];
}

export type Transition =
  | { kind: 'stage'; stageId: string; to: StageStatus }
  | { kind: 'queue-jobs'; stageId: string; jobIds: string[] }
  | { kind: 'run'; to: RunStatus; error?: string }
  /**
   * The stage may start once it holds `group`: the caller tries to acquire it
   * and, when it did, asks again with `held: true`. Always the last transition.
   */
  | { kind: 'acquire-concurrency'; stageId: string; group: string };

/** A stage that ended this way ends its run the same way. */
const endingStage: Partial<Record<StageStatus, RunStatus>> = {
  failed: 'failed',
  canceled: 'canceled',
  rejected: 'rejected',
  superseded: 'superseded',
};
const waitingStage: StageStatus[] = ['pending', 'awaiting_approval', 'waiting_for_concurrency'];

/** Transitions that bring the snapshot to its next resting state, in the order to apply them. */
export function nextTransitions(snapshot: RunSnapshot): Transition[] {
  if (isTerminalRun(snapshot.status)) return [];
  const out: Transition[] = [];
  let runStatus = snapshot.status;
  const setRun = (to: RunStatus) => {
    if (runStatus !== to) out.push({ kind: 'run', to });
    runStatus = to;
  };

  for (const [index, stage] of snapshot.stages.entries()) {
    let status = stage.status;

    if (status === 'running') {
      if (stage.jobs.some((job) => !isTerminalJob(job.status))) {
        setRun('running');
        return out;
      }
      status = snapshot.cancelRequested ? 'canceled' : stageOutcome(stage.jobs.map((job) => job.status));
      out.push({ kind: 'stage', stageId: stage.id, to: status });
    }

    if (status === 'succeeded' || status === 'skipped') continue;

    if (snapshot.cancelRequested && waitingStage.includes(status)) {
      out.push({ kind: 'stage', stageId: stage.id, to: 'canceled' });
      status = 'canceled';
    }

    const ending = endingStage[status];
    if (ending) {
      const later = snapshot.stages.slice(index + 1).filter((next) => next.status === 'pending');
      for (const next of later) out.push({ kind: 'stage', stageId: next.id, to: 'skipped' });
      setRun(ending);
      return out;
    }

    if (stage.refusal) {
      out.push({ kind: 'stage', stageId: stage.id, to: 'failed' });
      const later = snapshot.stages.slice(index + 1).filter((next) => next.status === 'pending');
      for (const next of later) out.push({ kind: 'stage', stageId: next.id, to: 'skipped' });
      out.push({ kind: 'run', to: 'failed', error: stage.refusal });
      return out;
    }

    // pending, awaiting_approval or waiting_for_concurrency: first the gate, then the group.
    if (stage.approvalsGiven < stage.approvalsRequired) {
      if (status !== 'awaiting_approval') out.push({ kind: 'stage', stageId: stage.id, to: 'awaiting_approval' });
      setRun('awaiting_approval');
      return out;
    }
    if (stage.concurrency && !stage.concurrency.held) {
      if (status !== 'waiting_for_concurrency') {
        out.push({ kind: 'stage', stageId: stage.id, to: 'waiting_for_concurrency' });
      }
      setRun('waiting_for_concurrency');
      out.push({ kind: 'acquire-concurrency', stageId: stage.id, group: stage.concurrency.group });
      return out;
    }
    out.push({ kind: 'stage', stageId: stage.id, to: 'running' });
    const pending = stage.jobs.filter((job) => job.status === 'pending').map((job) => job.id);
    out.push({ kind: 'queue-jobs', stageId: stage.id, jobIds: pending });
    setRun('running');
    return out;
  }

  setRun('succeeded');
  return out;
}

/** A finished stage succeeded only if every job did; any cancel without failure cancels it. */
export function stageOutcome(jobStatuses: JobStatus[]): StageStatus {
  if (jobStatuses.every((status) => status === 'succeeded')) return 'succeeded';
  if (jobStatuses.some((status) => status === 'failed' || status === 'timed_out')) return 'failed';
  return 'canceled';
}
