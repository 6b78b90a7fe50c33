/** The approval audit: one row per decision, never updated or deleted. */
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Approval, ApprovedArtifact } from '../domain/run.js';
import type { Queryable } from './database.js';
import { toApproval } from './mappers.js';
import { approvals, jobs, stages } from './schema.js';

export async function recordDecision(
  tx: Queryable,
  input: {
    runId: string;
    stageId: string;
    decision: Approval['decision'];
    approver: string;
    comment: string | null;
    sha: string;
    artifacts: ApprovedArtifact[];
  },
): Promise<Approval> {
  const rows = await tx
    .insert(approvals)
    .values({ id: randomUUID(), ...input })
    .returning();
  return toApproval(rows[0]!);
}

/** The approval `approver` already gave the stage since its gate last began waiting, if any. */
export async function findApprovalBy(db: Queryable, stageId: string, approver: string): Promise<Approval | null> {
  const rows = await db
    .select()
    .from(approvals)
    .where(
      and(
        eq(approvals.stageId, stageId),
        eq(approvals.approver, approver),
        eq(approvals.decision, 'approved'),
        // Only since the gate last began waiting (a rollback opens it again).
        sql`${approvals.createdAt} >= coalesce((select approval_requested_at from stages where id = ${stageId}), '-infinity'::timestamptz)`,
      ),
    )
    .limit(1);
  return rows[0] ? toApproval(rows[0]) : null;
}

/** Distinct approvers who approved the stage. */
export async function countApprovers(db: Queryable, stageId: string): Promise<number> {
  const rows = await db
    .select({ count: sql<number>`count(distinct ${approvals.approver})::int` })
    .from(approvals)
    .where(and(eq(approvals.stageId, stageId), eq(approvals.decision, 'approved')));
  return rows[0]?.count ?? 0;
}

/** A gated stage whose timeout passed. */
export interface ExpiredGate {
  stageId: string;
  runId: string;
  stageName: string;
  timeoutMs: number;
}

/** The gate's deadline passed, by database time: it began awaiting more than its `timeoutMs` ago. */
const deadlinePassed = sql`${stages.status} = 'awaiting_approval'
  and ${stages.approval} ->> 'timeoutMs' is not null
  and ${stages.approvalRequestedAt} + (${stages.approval} ->> 'timeoutMs')::bigint * interval '1 millisecond' <= now()`;

/** Stages awaiting approval past their gate's timeout, longest-waiting first. */
export async function findExpiredGates(db: Queryable, limit: number): Promise<ExpiredGate[]> {
  return db
    .select({
      stageId: stages.id,
      runId: stages.runId,
      stageName: stages.name,
      timeoutMs: sql<number>`(${stages.approval} ->> 'timeoutMs')::bigint`.mapWith(Number),
    })
    .from(stages)
    .where(deadlinePassed)
    .orderBy(stages.approvalRequestedAt)
    .limit(limit);
}

/**
 * Rejects the stage if it still awaits approval past its deadline; false when
 * a decision or another controller got there first (a conditional update, so
 * any number of controllers may sweep at once).
 */
export async function rejectExpiredGate(tx: Queryable, stageId: string): Promise<boolean> {
  const rows = await tx
    .update(stages)
    .set({ status: 'rejected', finishedAt: sql`now()` })
    .where(and(eq(stages.id, stageId), deadlinePassed))
    .returning({ id: stages.id });
  return rows.length > 0;
}

/** The approvals that opened the gate of the job's stage (none when its stage has no gate). */
export async function approvalsOfJobStage(db: Queryable, jobId: string): Promise<Approval[]> {
  const rows = await db
    .select({ approval: approvals })
    .from(approvals)
    .innerJoin(jobs, eq(jobs.stageId, approvals.stageId))
    .where(and(eq(jobs.id, jobId), eq(approvals.decision, 'approved')));
  return rows.map((row) => toApproval(row.approval));
}
