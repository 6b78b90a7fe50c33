/**
 * `supersede: true` on a gated stage: when a run's stage begins awaiting
 * approval, older runs of the same repository waiting at the stage of that
 * name end `superseded` ("superseded by run <id>"); if a newer run already
 * waits there, this run is the one superseded. Each is an audit event by the
 * actor `gantry`, in the transaction that makes the change.
 *
 * Lock order: its own run, then the gate (lockGate: runs reaching the gate at
 * once take turns, and the later one sees the earlier), then runs older than
 * itself (newest first). A run is among the waiters only once its gate
 * committed, so no transaction holding the gate waits for one that wants it.
 */
import { gantryActor } from '../domain/audit.js';
import type { Run } from '../domain/run.js';
import { recordAuditEvent } from '../store/audit-repository.js';
import type { Queryable } from '../store/database.js';
import { findOtherGateWaiters, lockGate } from '../store/gate-waiters.js';
import { listStagesOfRun, lockRun, setRunStatus, setStageStatus } from '../store/runs-repository.js';

/** Advances a run inside the transaction (advanceRun, passed in to keep the modules acyclic). */
type Advance = (tx: Queryable, runId: string) => Promise<unknown>;

export interface SupersedeOutcome {
  /** Older runs this call ended. */
  otherRuns: string[];
  /** This run was superseded by a newer one already waiting. */
  self: boolean;
}

export async function supersedeAtGate(
  tx: Queryable,
  run: Run,
  stageId: string,
  advance: Advance,
): Promise<SupersedeOutcome> {
  const stage = (await listStagesOfRun(tx, run.id)).find((candidate) => candidate.id === stageId);
  const outcome: SupersedeOutcome = { otherRuns: [], self: false };
  if (!stage?.supersede || stage.status !== 'awaiting_approval') return outcome;
  await lockGate(tx, run.id, stage.name);
  const waiters = await findOtherGateWaiters(tx, run.id, stage.name);
  const newer = waiters.find((waiter) => !waiter.older);
  if (newer) {
    await endSuperseded(tx, run.id, stageId, stage.name, newer.runId, advance);
    outcome.self = true;
    return outcome;
  }
  for (const older of waiters) {
    const locked = await lockRun(tx, older.runId);
    // Re-read under its lock: it may have been approved or canceled meanwhile.
    const olderStage = (await listStagesOfRun(tx, older.runId)).find((candidate) => candidate.id === older.stageId);
    if (!locked || olderStage?.status !== 'awaiting_approval') continue;
    await endSuperseded(tx, older.runId, older.stageId, stage.name, run.id, advance);
    outcome.otherRuns.push(older.runId);
  }
  return outcome;
}

async function endSuperseded(
  tx: Queryable,
  runId: string,
  stageId: string,
  stageName: string,
  byRunId: string,
  advance: Advance,
): Promise<void> {
  await setStageStatus(tx, [stageId], 'superseded');
  await advance(tx, runId);
  await setRunStatus(tx, runId, 'superseded', `superseded by run ${byRunId}`);
  await recordAuditEvent(tx, {
    actor: gantryActor,
    action: 'supersede',
    runId,
    details: { stage: stageName, by: byRunId },
  });
}
