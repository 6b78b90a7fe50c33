/** Reads the state-machine snapshot of one run (caller holds the run lock). */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Run } from '../domain/run.js';
import type { JobStatus, StageStatus } from '../domain/states.js';
import type { ApprovalPolicy } from '../pipeline/model.js';
import type { RunSnapshot } from '../scheduler/transitions.js';
import type { Queryable } from './database.js';
import { approvals, jobs, stages } from './schema.js';

export async function readRunSnapshot(tx: Queryable, run: Run): Promise<RunSnapshot> {
  const [stageRows, jobRows, approvalRows] = await Promise.all([
    tx.select().from(stages).where(eq(stages.runId, run.id)).orderBy(asc(stages.position)),
    tx
      .select({ id: jobs.id, stageId: jobs.stageId, status: jobs.status })
      .from(jobs)
      .where(eq(jobs.runId, run.id))
      .orderBy(asc(jobs.position)),
    tx
      .select({ stageId: approvals.stageId, count: sql<number>`count(distinct ${approvals.approver})::int` })
      .from(approvals)
      .where(and(eq(approvals.runId, run.id), eq(approvals.decision, 'approved')))
      .groupBy(approvals.stageId),
  ]);
  return {
    status: run.status,
    cancelRequested: run.cancelRequested,
    stages: stageRows.map((stage) => {
      const policy = stage.approval as ApprovalPolicy | null;
      return {
        id: stage.id,
        status: stage.status as StageStatus,
        approvalsRequired: policy ? policy.required : 0,
        approvalsGiven: approvalRows.find((row) => row.stageId === stage.id)?.count ?? 0,
        jobs: jobRows
          .filter((job) => job.stageId === stage.id)
          .map((job) => ({ id: job.id, status: job.status as JobStatus })),
      };
    }),
  };
}
