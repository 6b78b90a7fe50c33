/**
 * What `gantry gc` may delete: the artifacts and archived logs of runs that
 * ended before a cutoff, except a run awaiting approval (it has not ended) and
 * the run live in each environment: its latest succeeded deployment (a
 * rollback puts an older run live again), or, for an environment with no
 * deployment recorded (deployed before deployments were), the latest run
 * whose stage for it succeeded.
 */
import { sql } from 'drizzle-orm';
import { type Queryable, queryRows } from './database.js';

export interface CollectableObjects {
  runIds: string[];
  artifacts: { runId: string; jobId: string; attempt: number; path: string; size: number }[];
  logs: { jobId: string; attempt: number; key: string; bytes: number }[];
}

/** Runs ended more than `olderThanMs` ago (database time) that still hold artifacts or archived logs; at most `limit`. */
export async function findCollectableRuns(db: Queryable, olderThanMs: number, limit: number): Promise<string[]> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`
    with live as (
      select distinct on (environment) environment, run_id
      from deployments where status = 'succeeded'
      order by environment, finished_at desc, created_at desc
    ), last_succeeded_stage as (
      select distinct on (stages.environment) stages.environment, stages.run_id
      from stages join runs on runs.id = stages.run_id
      where stages.environment is not null and stages.status = 'succeeded'
      order by stages.environment, runs.created_at desc, runs.seq desc
    ), deployed as (
      select run_id from live
      union
      select run_id from last_succeeded_stage where environment not in (select environment from live)
    )
    select runs.id from runs
    where runs.status in ('succeeded', 'failed', 'canceled', 'rejected')
      and coalesce(runs.finished_at, runs.created_at) < now() - make_interval(secs => ${olderThanMs / 1000})
      and runs.id not in (select run_id from deployed)
      and (exists (select 1 from artifacts where artifacts.run_id = runs.id)
        or exists (select 1 from log_archives la join jobs on jobs.id = la.job_id where jobs.run_id = runs.id))
    order by runs.created_at
    limit ${limit}`,
  );
  return rows.map((row) => row.id);
}

/** The objects the runs hold, as rows (nothing is deleted). */
export async function listRunObjects(db: Queryable, runIds: string[]): Promise<CollectableObjects> {
  if (runIds.length === 0) return { runIds, artifacts: [], logs: [] };
  const ids = sql.join(
    runIds.map((id) => sql`${id}`),
    sql`, `,
  );
  const artifacts = await queryRows<{ run_id: string; job_id: string; attempt: number; path: string; size: string }>(
    db,
    sql`select run_id, job_id, attempt, path, size from artifacts where run_id in (${ids})`,
  );
  const logs = await queryRows<{ job_id: string; attempt: number; key: string; bytes: string }>(
    db,
    sql`select la.job_id, la.attempt, la.key, la.bytes from log_archives la join jobs on jobs.id = la.job_id where jobs.run_id in (${ids})`,
  );
  return {
    runIds,
    artifacts: artifacts.map((row) => ({
      runId: row.run_id,
      jobId: row.job_id,
      attempt: row.attempt,
      path: row.path,
      size: Number(row.size),
    })),
    logs: logs.map((row) => ({ jobId: row.job_id, attempt: row.attempt, key: row.key, bytes: Number(row.bytes) })),
  };
}

/** Forgets the runs' artifacts and archived logs (the objects are removed by the caller afterwards). */
export async function deleteRunObjectRows(db: Queryable, runIds: string[]): Promise<void> {
  if (runIds.length === 0) return;
  const ids = sql.join(
    runIds.map((id) => sql`${id}`),
    sql`, `,
  );
  await db.execute(sql`delete from artifacts where run_id in (${ids})`);
  await db.execute(sql`delete from log_archives where job_id in (select id from jobs where run_id in (${ids}))`);
}
