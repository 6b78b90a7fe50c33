/** Step reports of an attempt: one row per step, updated as it starts and ends. */
import { and, asc, eq, type SQL, sql } from 'drizzle-orm';
import type { JobResult } from '../domain/states.js';
import type { StepReportInput } from '../scheduler/step-reports.js';
import type { Queryable } from './database.js';
import { type LeaseKey, writeWhileLeaseHeld } from './leases-repository.js';
import { stepReports } from './schema.js';

/** How one step of an attempt went, as its agent reported it. */
export interface StepReport {
  stepIndex: number;
  status: string;
  exitCode: number | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** The reported steps of one attempt, in order (a step not started yet has no report). */
export async function listStepReports(db: Queryable, jobId: string, attempt: number): Promise<StepReport[]> {
  return db
    .select({
      stepIndex: stepReports.stepIndex,
      status: stepReports.status,
      exitCode: stepReports.exitCode,
      startedAt: stepReports.startedAt,
      finishedAt: stepReports.finishedAt,
    })
    .from(stepReports)
    .where(and(eq(stepReports.jobId, jobId), eq(stepReports.attempt, attempt)))
    .orderBy(asc(stepReports.stepIndex));
}

/**
 * Records a batch of step reports while `lease` holds the job, in one
 * statement (see stepReportsUpsert). Returns false when the lease is no
 * longer held.
 */
export async function recordStepsFenced(db: Queryable, lease: LeaseKey, steps: StepReportInput[]): Promise<boolean> {
  return writeWhileLeaseHeld(db, lease, steps.length > 0 ? [stepReportsUpsert(lease, steps)] : []);
}

/**
 * The upsert of an attempt's step reports, for writeWhileLeaseHeld or, with
 * `endingAs`, for finishAttempt. At most one entry per step (see
 * mergeStepReports). Idempotent per (jobId, attempt, stepIndex, state): a
 * resent batch changes nothing, and a step's state only moves forward: a
 * report of its start arriving after its end (a call retried on another
 * replica) leaves the end as stored. `endingAs` is the attempt's result when the
 * reports come with its finish: a step still reported `running` is stored
 * ended with that result, now, as finishAttempt ends the running steps the
 * finish does not carry (one statement must not write a row twice).
 */
export function stepReportsUpsert(lease: LeaseKey, steps: StepReportInput[], endingAs?: JobResult): SQL {
  const values = sql.join(
    steps.map(
      (step) =>
        sql`(${step.stepIndex}::int, ${step.state}, ${step.exitCode}::int, ${step.startedAt?.toISOString() ?? null}::timestamptz, ${step.finishedAt?.toISOString() ?? null}::timestamptz)`,
    ),
    sql`, `,
  );
  const status = endingAs
    ? sql`case when step.status = 'running' then ${endingAs} else step.status end`
    : sql`step.status`;
  const finishedAt = endingAs
    ? sql`case when step.status = 'running' then coalesce(step.finished_at, now()) else step.finished_at end`
    : sql`step.finished_at`;
  return sql`
      insert into step_reports (job_id, attempt, step_index, status, exit_code, started_at, finished_at)
      select ${lease.jobId}, ${lease.attempt}, step.step_index, ${status}, step.exit_code, step.started_at, ${finishedAt}
      from (values ${values}) as step (step_index, status, exit_code, started_at, finished_at)
      where exists (select 1 from lease)
      on conflict (job_id, attempt, step_index) do update set
        status = case when excluded.status = 'running' then step_reports.status else excluded.status end,
        exit_code = coalesce(excluded.exit_code, step_reports.exit_code),
        started_at = coalesce(step_reports.started_at, excluded.started_at),
        finished_at = coalesce(excluded.finished_at, step_reports.finished_at)`;
}
