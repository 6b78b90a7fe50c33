/**
 * Applies the state machine to one run inside the caller's transaction: takes
 * the run lock, reads the snapshot, writes every transition nextTransitions()
 * asks for (queued jobs get their outbox rows in the same transaction). A
 * stage that needs its concurrency group tries to acquire it here and starts
 * when it did; groups held by stages that ended are released. A stage that
 * began awaiting a `supersede: true` gate ends older runs waiting there.
 * Idempotent: calling it on a run at rest changes nothing.
 */
import type { Run } from '../domain/run.js';
import { acquireConcurrency, releaseEndedHolders } from '../store/concurrency-repository.js';
import type { Queryable } from '../store/database.js';
import { recordDeploymentTransition } from '../store/deployments-repository.js';
import { queueJobs } from '../store/jobs-repository.js';
import type { OutboxMessage } from '../store/outbox-repository.js';
import { readRunSnapshot } from '../store/run-snapshot.js';
import { lockRun, setRunStatus, setStageStatus } from '../store/runs-repository.js';
import { answersInOrder, type SentWithTrailingWrites, withNoTrailingWrites } from '../store/trailing-writes.js';
import { supersedeAtGate } from './supersede.js';
import { nextTransitions, type RunSnapshot, type Transition } from './transitions.js';

export interface AdvanceOutcome {
  transitions: Transition[];
  /** The offers of the jobs this call queued: for the relay, once the transaction committed. */
  offers: OutboxMessage[];
  /** Groups this run stopped holding or waiting for: after commit, the next waiter of each may start. */
  freedGroups: string[];
  /** Stages of this run that began awaiting approval (for notifications after commit). */
  gatesOpened: string[];
  /** Other runs this call ended (superseded). */
  otherRuns: string[];
}

/** Nothing changed. */
export const unchanged = (): AdvanceOutcome => ({
  transitions: [],
  offers: [],
  freedGroups: [],
  gatesOpened: [],
  otherRuns: [],
});

/**
 * What a caller that holds the run lock already knows, so that advanceRun
 * need not read it again. `run`: the run row as it is now in the caller's
 * transaction (read when the lock was taken, unchanged since). `snapshot`:
 * the run's state-machine snapshot, exactly as readRunSnapshot would read it
 * now. `pending`: writes the caller sent on the transaction and has not
 * awaited; the snapshot counts them as applied, and advanceRun sends its own
 * writes behind them and awaits both (its outcome rejects with their failure).
 */
export interface KnownRun {
  run: Run;
  snapshot?: RunSnapshot;
  pending?: Promise<unknown>;
}

export async function advanceRun(tx: Queryable, runId: string, known?: KnownRun): Promise<AdvanceOutcome> {
  const { value, trailing } = await sendRunAdvance(tx, runId, known);
  await trailing;
  return value;
}

/**
 * advanceRun for a caller that sends nothing after it in its transaction
 * (transactionWithTrailingWrites): the last writes are sent and left
 * unanswered, so that the COMMIT can follow them at once. The outcome's
 * offers are complete once `trailing` settled. When anything reads after
 * those writes (a concurrency group, a gate), or a write takes more than one
 * statement (a deployment's), every write is answered first, as in advanceRun.
 */
export async function sendRunAdvance(
  tx: Queryable,
  runId: string,
  known?: KnownRun,
): Promise<SentWithTrailingWrites<AdvanceOutcome>> {
  if (!known?.pending) return advance(tx, runId, known);
  const { pending } = known;
  // Handled from here on, so that its failure is never reported as unhandled while a read is awaited;
  // it is awaited with the writes, or below.
  pending.catch(() => {});
  try {
    return await advance(tx, runId, known);
  } catch (error) {
    // A failed pending write fails every statement sent behind it: report the write's own error.
    await pending;
    throw error;
  }
}

async function advance(
  tx: Queryable,
  runId: string,
  known: KnownRun | undefined,
): Promise<SentWithTrailingWrites<AdvanceOutcome>> {
  const run = known ? known.run : await lockRun(tx, runId);
  const outcome = unchanged();
  if (!run) return withNoTrailingWrites(outcome);
  // Set at planning and never changed: a run without groups holds none, and needs no releasing.
  let usesGroups = true;
  // The last round's writes, answered below or left to trail; whether each is one statement sent when called
  // (see trailing-writes.ts), which a deployment's are not.
  let lastWrites: Promise<unknown>[] = [];
  let singleStatements = true;
  // Two rounds at most: the second only after the group was acquired.
  for (let round = 0; round < 2; round++) {
    // The second round reads the run again: the first one may have changed its status.
    const current = round === 0 ? run : await lockRun(tx, runId);
    if (!current) break;
    const snapshot = round === 0 && known?.snapshot ? known.snapshot : await readRunSnapshot(tx, current);
    usesGroups = snapshot.stages.some((stage) => stage.concurrency);
    const transitions = nextTransitions(snapshot);
    outcome.transitions.push(...transitions);
    let acquired = false;
    singleStatements = true;
    // The writes of stage, run and queue transitions touch different rows: they go out together (the
    // pool pipelines) and are awaited at once, before anything that reads what they wrote.
    const writes: Promise<unknown>[] = round === 0 && known?.pending ? [known.pending] : [];
    for (const transition of transitions) {
      if (transition.kind === 'stage') {
        const before = snapshot.stages.find((stage) => stage.id === transition.stageId);
        writes.push(setStageStatus(tx, [transition.stageId], transition.to));
        // Only a stage deploying to an environment has deployment rows to start or end.
        if (before?.environment !== null) {
          writes.push(recordDeploymentTransition(tx, transition.stageId, transition.to));
          singleStatements = false;
        }
        if (before?.status === 'waiting_for_concurrency' && transition.to !== 'running' && before.concurrency) {
          outcome.freedGroups.push(before.concurrency.group);
        }
        if (transition.to === 'awaiting_approval') outcome.gatesOpened.push(transition.stageId);
      } else if (transition.kind === 'run') writes.push(setRunStatus(tx, runId, transition.to, transition.error));
      else if (transition.kind === 'queue-jobs') {
        writes.push(queueJobs(tx, transition.jobIds).then((offers) => outcome.offers.push(...offers)));
      } else {
        // A stage of this run that just ended may hold the group: free it first, then ask in trigger order.
        await Promise.all(writes.splice(0));
        outcome.freedGroups.push(...(await releaseEndedHolders(tx, runId)));
        acquired = await acquireConcurrency(tx, { group: transition.group, runId, stageId: transition.stageId });
      }
    }
    if (!acquired) {
      lastWrites = writes;
      break;
    }
    await Promise.all(writes);
  }
  // Nothing below reads after the last writes unless the run uses groups or opened a gate: else they may
  // trail (the caller sends nothing after them either).
  if (!usesGroups && outcome.gatesOpened.length === 0 && singleStatements) {
    return { value: outcome, trailing: answersInOrder(lastWrites) };
  }
  await Promise.all(lastWrites);
  if (usesGroups) outcome.freedGroups.push(...(await releaseEndedHolders(tx, runId)));
  for (const stageId of outcome.gatesOpened) {
    const superseded = await supersedeAtGate(tx, run, stageId, advanceRun);
    outcome.otherRuns.push(...superseded.otherRuns);
    // This run came to the gate after a newer one and ended: nobody is to be asked to approve it.
    if (superseded.self) outcome.gatesOpened = [];
  }
  return withNoTrailingWrites(outcome);
}
