/**
 * Applies the state machine to one run inside the caller's transaction: takes
 * the run lock, reads the snapshot, writes every transition nextTransitions()
 * asks for (queued jobs get their outbox rows in the same transaction).
 * Idempotent: calling it on a run at rest changes nothing.
 */
import type { Queryable } from '../store/database.js';
import { queueJobs } from '../store/jobs-repository.js';
import { readRunSnapshot } from '../store/run-snapshot.js';
import { lockRun, setRunStatus, setStageStatus } from '../store/runs-repository.js';
import { nextTransitions, type Transition } from './transitions.js';

export interface AdvanceOutcome {
  transitions: Transition[];
  /** Jobs queued by this call: their outbox rows wait for the relay. */
  queuedJobs: number;
}

export async function advanceRun(tx: Queryable, runId: string): Promise<AdvanceOutcome> {
  const run = await lockRun(tx, runId);
  if (!run) return { transitions: [], queuedJobs: 0 };
  const transitions = nextTransitions(await readRunSnapshot(tx, run));
  let queuedJobs = 0;
  for (const transition of transitions) {
    if (transition.kind === 'stage') await setStageStatus(tx, [transition.stageId], transition.to);
    else if (transition.kind === 'run') await setRunStatus(tx, runId, transition.to, transition.error);
    else queuedJobs += (await queueJobs(tx, transition.jobIds)).length;
  }
  return { transitions, queuedJobs };
}
