/**
 * Which ended attempts still keep their log in log_chunks, and the record of
 * logs moved to the artifact store. The archiver's order is: store the
 * object, record it here, then delete the chunks, so at every point the log is
 * whole somewhere.
 */
import { and, eq, type SQL, sql } from 'drizzle-orm';
import { type Queryable, queryRows } from './database.js';
import type { StoredLogChunk } from './log-chunk-codec.js';
import { logArchives } from './schema.js';

export interface UnarchivedAttempt {
  runId: string;
  jobId: string;
  attempt: number;
  /** An archive is recorded already: only the chunks are left to delete. */
  archived: boolean;
  /** What the attempt's rows hold, as stored (compressed chunks at their compressed size). */
  storedBytes: number;
}

export interface AttemptKey {
  jobId: string;
  attempt: number;
}

export interface AttemptChunk extends AttemptKey, StoredLogChunk {}

/** Where an attempt's archived log is: a whole object, or a stretch of a pack of several attempts' logs. */
export interface LogArchive {
  key: string;
  /** The log's plain size. */
  bytes: number;
  /** In a pack: the attempt's gzip stream is `storedLength` bytes of the object from `storedOffset`. */
  storedOffset: number | null;
  storedLength: number | null;
}

export interface ArchiveRecord extends AttemptKey, LogArchive {}

/**
 * Up to `limit` ended attempts that still have rows in log_chunks, with what
 * their rows hold. Found from log_chunks (which keeps only logs not archived
 * yet), so a sweep costs what is waiting, not the farm's whole history.
 */
export async function findUnarchivedAttempts(db: Queryable, limit: number): Promise<UnarchivedAttempt[]> {
  const rows = await queryRows<{
    run_id: string;
    job_id: string;
    attempt: number;
    archived: boolean;
    stored_bytes: string | number;
  }>(
    db,
    sql`
    select jobs.run_id, c.job_id, c.attempt, (la.job_id is not null) as archived,
      (select coalesce(sum(octet_length(x.data)), 0) from log_chunks x
        where x.job_id = c.job_id and x.attempt = c.attempt)::bigint as stored_bytes
    from (select distinct job_id, attempt from log_chunks) c
    join job_attempts ja on ja.job_id = c.job_id and ja.attempt = c.attempt
    join jobs on jobs.id = c.job_id
    left join log_archives la on la.job_id = c.job_id and la.attempt = c.attempt
    where ja.status <> 'running'
    limit ${limit}`,
  );
  return rows.map((row) => ({
    runId: row.run_id,
    jobId: row.job_id,
    attempt: row.attempt,
    archived: row.archived,
    storedBytes: Number(row.stored_bytes),
  }));
}

/** The stored chunks of several attempts, in one read: attempt by attempt, each in log order. */
export async function readStoredChunksOf(db: Queryable, attempts: readonly AttemptKey[]): Promise<AttemptChunk[]> {
  if (attempts.length === 0) return [];
  const rows = await queryRows<{ job_id: string; attempt: number; data: Buffer; plain_bytes: number | null }>(
    db,
    sql`
    select job_id, attempt, data, plain_bytes from log_chunks
    where (job_id, attempt) in (${attemptList(attempts)})
    order by job_id, attempt, seq`,
  );
  return rows.map((row) => ({ jobId: row.job_id, attempt: row.attempt, data: row.data, plainBytes: row.plain_bytes }));
}

/**
 * Records stored archives unless one is recorded already for their attempt
 * (another controller, or a sweep before a crash, got there first), and
 * deletes those attempts' chunks, in one statement. Returns the attempts
 * (`jobId:attempt`) whose record this was: only the first record of an
 * attempt is ever read.
 */
export async function recordLogArchivesDeletingChunks(
  db: Queryable,
  archives: readonly ArchiveRecord[],
): Promise<Set<string>> {
  if (archives.length === 0) return new Set();
  const values = sql.join(
    archives.map(
      (archive) =>
        sql`(${archive.jobId}, ${archive.attempt}::int, ${archive.key}, ${archive.bytes}::bigint, ${archive.storedOffset}::bigint, ${archive.storedLength}::bigint)`,
    ),
    sql`, `,
  );
  const rows = await queryRows<{ job_id: string; attempt: number }>(
    db,
    sql`
    with recorded as (
      insert into log_archives (job_id, attempt, key, bytes, stored_offset, stored_length) values ${values}
      on conflict do nothing
      returning job_id, attempt
    ), deleted as (
      delete from log_chunks where (job_id, attempt) in (${attemptList(archives)})
    )
    select job_id, attempt from recorded`,
  );
  return new Set(rows.map((row) => attemptId({ jobId: row.job_id, attempt: row.attempt })));
}

/** An attempt as one string, for sets and maps. */
export function attemptId(attempt: AttemptKey): string {
  return `${attempt.jobId}:${attempt.attempt}`;
}

/** Of `keys`, those some archive record still names (a pack stays while any of its logs is kept). */
export async function referencedArchiveKeys(db: Queryable, keys: readonly string[]): Promise<Set<string>> {
  const named = new Set<string>();
  // A statement's parameters are bounded: ask a thousand keys at a time.
  for (let start = 0; start < keys.length; start += 1000) {
    const batch = keys.slice(start, start + 1000).map((key) => sql`${key}`);
    const rows = await queryRows<{ key: string }>(
      db,
      sql`select distinct key from log_archives where key in (${sql.join(batch, sql`, `)})`,
    );
    for (const row of rows) named.add(row.key);
  }
  return named;
}

/** Deletes the attempts' chunks; only ever called once their archives are recorded (by a sweep that died after). */
export async function deleteArchivedChunks(db: Queryable, attempts: readonly AttemptKey[]): Promise<void> {
  if (attempts.length === 0) return;
  await db.execute(sql`delete from log_chunks where (job_id, attempt) in (${attemptList(attempts)})`);
}

/** `(job_id, attempt)` pairs as a list for `in (…)`. */
function attemptList(attempts: readonly AttemptKey[]): SQL {
  return sql.join(
    attempts.map((attempt) => sql`(${attempt.jobId}, ${attempt.attempt})`),
    sql`, `,
  );
}

export async function findLogArchive(db: Queryable, jobId: string, attempt: number): Promise<LogArchive | null> {
  const rows = await db
    .select({
      key: logArchives.key,
      bytes: logArchives.bytes,
      storedOffset: logArchives.storedOffset,
      storedLength: logArchives.storedLength,
    })
    .from(logArchives)
    .where(and(eq(logArchives.jobId, jobId), eq(logArchives.attempt, attempt)));
  return rows[0] ?? null;
}
