/**
 * A gate's `timeout:` — when a stage has awaited approval that long (by
 * database time) it ends `rejected`, and so does its run: later stages never
 * start. Each expiry is an audit event by the actor `gantry`. Safe to run on
 * every controller at once: the rejection is a conditional update.
 */

import { gantryActor } from '../domain/audit.js';
import { findExpiredGates, rejectExpiredGate } from '../store/approvals-repository.js';
import { recordAuditEvent } from '../store/audit-repository.js';
import type { Database } from '../store/database.js';
import { lockRun } from '../store/runs-repository.js';
import { advanceRun } from './advance-run.js';
import type { Scheduler } from './scheduler.js';

const batchSize = 100;

/** Rejects every gate whose timeout passed; returns how many this call rejected. */
export async function expireApprovalGates(db: Database, scheduler: Scheduler): Promise<number> {
  let rejected = 0;
  for (;;) {
    const expired = await findExpiredGates(db, batchSize);
    const before = rejected;
    for (const gate of expired) {
      const changed = await db.transaction(async (tx) => {
        await lockRun(tx, gate.runId);
        if (!(await rejectExpiredGate(tx, gate.stageId))) return null;
        await recordAuditEvent(tx, {
          actor: gantryActor,
          action: 'approval_timeout',
          runId: gate.runId,
          details: { stage: gate.stageName, timeoutMs: gate.timeoutMs },
        });
        return advanceRun(tx, gate.runId);
      });
      if (changed) {
        rejected++;
        scheduler.afterCommit(gate.runId, [], 1, changed);
      }
    }
    // A full batch none of which changed (another controller got there first) ends the pass too.
    if (expired.length < batchSize || rejected === before) return rejected;
  }
}
