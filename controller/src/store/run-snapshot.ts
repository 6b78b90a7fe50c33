/**
 * The state-machine snapshot of one run (caller holds the run lock): read
 * by its own query, or carried by a statement that changes one of the run's
 * jobs (a finish), which then reads it in the same round trip. Approvals
 * count from the time the gate last began waiting: a rollback re-opens the
 * gate, and earlier approvals do not release it again.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { Run } from '../domain/run.js';
import type { JobStatus, StageStatus } from '../domain/states.js';
import type { ApprovalPolicy } from '../pipeline/model.js';
import type { RunSnapshot } from '../scheduler/transitions.js';
import { type Queryable, queryRows } from './database.js';

/** One stage of runStagesJson()'s array. */
export interface StageSnapshotRow {
  id: string;
  status: StageStatus;
  approval: ApprovalPolicy | null;
  concurrency: string | null;
  environment: string | null;
  holds_group: boolean;
  approvals_given: number;
  jobs: { id: string; status: JobStatus }[];
}

/**
 * An expression: the stages of run `runId` (an SQL expression), in order,
 * as a JSON array of StageSnapshotRow. `changedJob`: a job this same
 * statement changes, whose new status the array shows (a statement's
 * subqueries see the rows as they were before it).
 */
export function runStagesJson(runId: SQL, changedJob?: { id: string; status: JobStatus }): SQL {
  const jobStatus = changedJob
    ? sql`case when j.id = ${changedJob.id} then ${changedJob.status} else j.status end`
    : sql`j.status`;
  return sql`coalesce((select json_agg(json_build_object(
      'id', s.id, 'status', s.status, 'approval', s.approval, 'concurrency', s.concurrency,
      'environment', s.environment,
      'holds_group', exists (select 1 from concurrency_locks l where l.name = s.concurrency and l.stage_id = s.id),
      'approvals_given', (select count(distinct a.approver)::int from approvals a
        where a.stage_id = s.id and a.decision = 'approved'
          and a.created_at >= coalesce(s.approval_requested_at, '-infinity'::timestamptz)),
      'jobs', coalesce((select json_agg(json_build_object('id', j.id, 'status', ${jobStatus}) order by j.position)
        from jobs j where j.stage_id = s.id), '[]'::json)
    ) order by s.position) from stages s where s.run_id = ${runId}), '[]'::json)`;
}

/** The snapshot of `run` (its row as the caller's transaction sees it now) with its stages as runStagesJson() gave them. */
export function toRunSnapshot(run: Pick<Run, 'status' | 'cancelRequested'>, stages: StageSnapshotRow[]): RunSnapshot {
  return {
    status: run.status,
    cancelRequested: run.cancelRequested,
    stages: stages.map((stage) => ({
      id: stage.id,
      status: stage.status,
      approvalsRequired: stage.approval ? stage.approval.required : 0,
      approvalsGiven: stage.approvals_given,
      refusal: stage.approval?.protection?.refusal ?? null,
      concurrency: stage.concurrency ? { group: stage.concurrency, held: stage.holds_group } : null,
      environment: stage.environment,
      jobs: stage.jobs,
    })),
  };
}

export async function readRunSnapshot(tx: Queryable, run: Run): Promise<RunSnapshot> {
  const [row] = await queryRows<{ stages: StageSnapshotRow[] }>(
    tx,
    sql`select ${runStagesJson(sql`${run.id}`)} as stages`,
  );
  return toRunSnapshot(run, row?.stages ?? []);
}
