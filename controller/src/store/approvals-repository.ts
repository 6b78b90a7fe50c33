/** The approval audit: one row per decision, never updated or deleted. */
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Approval } from '../domain/run.js';
import type { Queryable } from './database.js';
import { toApproval } from './mappers.js';
import { approvals } from './schema.js';

export async function recordDecision(
  tx: Queryable,
  input: {
    runId: string;
    stageId: string;
    decision: Approval['decision'];
    approver: string;
    comment: string | null;
    sha: string;
  },
): Promise<Approval> {
  const rows = await tx
    .insert(approvals)
    .values({ id: randomUUID(), ...input })
    .returning();
  return toApproval(rows[0]!);
}

/** Distinct approvers who approved the stage. */
export async function countApprovers(db: Queryable, stageId: string): Promise<number> {
  const rows = await db
    .select({ count: sql<number>`count(distinct ${approvals.approver})::int` })
    .from(approvals)
    .where(and(eq(approvals.stageId, stageId), eq(approvals.decision, 'approved')));
  return rows[0]?.count ?? 0;
}
