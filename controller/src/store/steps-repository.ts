/** Step reports of an attempt: one row per step, updated as it starts and ends. */
import { sql } from 'drizzle-orm';
import { type Queryable, queryRows } from './database.js';
import { heldLeaseRow, type LeaseKey } from './leases-repository.js';

/**
 * Records a step's state while `lease` holds the job, in one statement (the
 * lease row is locked for share). Idempotent per (jobId, attempt, stepIndex,
 * state). Returns false when the lease is no longer held.
 */
export async function recordStepFenced(
  db: Queryable,
  lease: LeaseKey,
  step: { stepIndex: number; state: string; exitCode: number | null },
): Promise<boolean> {
  const finished = step.state !== 'running';
  const rows = await queryRows<{ held: number }>(
    db,
    sql`
    with lease as (${heldLeaseRow(lease)}), recorded as (
      insert into step_reports (job_id, attempt, step_index, status, exit_code, started_at, finished_at)
      select ${lease.jobId}, ${lease.attempt}, ${step.stepIndex}::int, ${step.state}, ${step.exitCode}::int, now(),
        ${finished ? sql`now()` : sql`null`}
      where exists (select 1 from lease)
      on conflict (job_id, attempt, step_index) do update set
        status = excluded.status,
        exit_code = coalesce(excluded.exit_code, step_reports.exit_code),
        finished_at = coalesce(excluded.finished_at, step_reports.finished_at)
    )
    select count(*)::int as held from lease`,
  );
  return (rows[0]?.held ?? 0) > 0;
}
