/**
 * Reads the state-machine snapshot of one run in one query (caller holds the
 * run lock). Approvals count from the time the gate last began waiting: a
 * rollback re-opens the gate, and earlier approvals do not release it again.
 */
import { sql } from 'drizzle-orm';
import type { Run } from '../domain/run.js';
import type { JobStatus, StageStatus } from '../domain/states.js';
import type { ApprovalPolicy } from '../pipeline/model.js';
import type { RunSnapshot } from '../scheduler/transitions.js';
import { type Queryable, queryRows } from './database.js';

export async function readRunSnapshot(tx: Queryable, run: Run): Promise<RunSnapshot> {
  const rows = await queryRows<{
    id: string;
    status: StageStatus;
    approval: ApprovalPolicy | null;
    concurrency: string | null;
    environment: string | null;
    holds_group: boolean;
    approvals_given: number;
    jobs: { id: string; status: JobStatus }[];
  }>(
    tx,
    sql`
    select s.id, s.status, s.approval, s.concurrency, s.environment,
      exists (select 1 from concurrency_locks l where l.name = s.concurrency and l.stage_id = s.id) as holds_group,
      (select count(distinct a.approver)::int from approvals a
        where a.stage_id = s.id and a.decision = 'approved'
          and a.created_at >= coalesce(s.approval_requested_at, '-infinity'::timestamptz)) as approvals_given,
      coalesce((select json_agg(json_build_object('id', j.id, 'status', j.status) order by j.position)
        from jobs j where j.stage_id = s.id), '[]'::json) as jobs
    from stages s where s.run_id = ${run.id} order by s.position`,
  );
  return {
    status: run.status,
    cancelRequested: run.cancelRequested,
    stages: rows.map((stage) => ({
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
