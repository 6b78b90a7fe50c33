/**
 * Which ended attempts still keep their log in log_chunks, and the record of
 * logs moved to the artifact store. The archiver's order is: store the
 * object, record it here, then delete the chunks, so at every point the log is
 * whole somewhere.
 */
import { and, eq, sql } from 'drizzle-orm';
import { type Queryable, queryRows } from './database.js';
import { logArchives, logChunks } from './schema.js';

export interface UnarchivedAttempt {
  runId: string;
  jobId: string;
  attempt: number;
  /** An archive is recorded already: only the chunks are left to delete. */
  archived: boolean;
}

export interface LogArchive {
  key: string;
  bytes: number;
}

/** Up to `limit` ended attempts that still have rows in log_chunks. */
export async function findUnarchivedAttempts(db: Queryable, limit: number): Promise<UnarchivedAttempt[]> {
  const rows = await queryRows<{ run_id: string; job_id: string; attempt: number; archived: boolean }>(
    db,
    sql`
    select jobs.run_id, ja.job_id, ja.attempt, (la.job_id is not null) as archived
    from job_attempts ja
    join jobs on jobs.id = ja.job_id
    left join log_archives la on la.job_id = ja.job_id and la.attempt = ja.attempt
    where ja.status <> 'running'
      and exists (select 1 from log_chunks lc where lc.job_id = ja.job_id and lc.attempt = ja.attempt)
    limit ${limit}`,
  );
  return rows.map((row) => ({ runId: row.run_id, jobId: row.job_id, attempt: row.attempt, archived: row.archived }));
}

/**
 * Records a stored archive unless one is recorded already (another controller,
 * or a sweep before a crash, got there first), and deletes the attempt's
 * chunks, in one statement. Returns whether this archive was recorded: only
 * the first record is ever read.
 */
export async function recordLogArchiveDeletingChunks(
  db: Queryable,
  archive: { jobId: string; attempt: number; key: string; bytes: number },
): Promise<boolean> {
  const rows = await queryRows<{ recorded: number }>(
    db,
    sql`
    with recorded as (
      insert into log_archives (job_id, attempt, key, bytes)
      values (${archive.jobId}, ${archive.attempt}, ${archive.key}, ${archive.bytes})
      on conflict do nothing
      returning key
    ), deleted as (
      delete from log_chunks where job_id = ${archive.jobId} and attempt = ${archive.attempt}
    )
    select count(*)::int as recorded from recorded`,
  );
  return rows[0]?.recorded === 1;
}

/** Deletes the attempt's chunks; only ever called once its archive is recorded (by a sweep that died after). */
export async function deleteArchivedChunks(db: Queryable, jobId: string, attempt: number): Promise<void> {
  await db.delete(logChunks).where(and(eq(logChunks.jobId, jobId), eq(logChunks.attempt, attempt)));
}

export async function findLogArchive(db: Queryable, jobId: string, attempt: number): Promise<LogArchive | null> {
  const rows = await db
    .select({ key: logArchives.key, bytes: logArchives.bytes })
    .from(logArchives)
    .where(and(eq(logArchives.jobId, jobId), eq(logArchives.attempt, attempt)));
  return rows[0] ?? null;
}
