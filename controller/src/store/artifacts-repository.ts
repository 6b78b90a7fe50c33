/**
 * Artifact records. An attempt's files are written only by the fenced commit,
 * all in one statement, so a reader sees all of an attempt's files or none,
 * and a stale attempt (lease lost) never adds any.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { type Queryable, queryRows } from './database.js';
import { heldLeaseRow, type LeaseKey } from './leases-repository.js';

export interface ArtifactFileInput {
  path: string;
  size: number;
  sha256: string;
  /** The file had an execute bit: consumers get it executable. */
  executable: boolean;
}

export interface ArtifactRecord extends ArtifactFileInput {
  id: string;
  runId: string;
  jobId: string;
  jobName: string;
  attempt: number;
  createdAt: Date;
}

interface ArtifactRow {
  id: string;
  run_id: string;
  job_id: string;
  job_name: string;
  attempt: number;
  path: string;
  size: string | number;
  sha256: string;
  executable: boolean;
  created_at: Date | string;
}

/**
 * Records the attempt's files while its lease holds. Returns the number of
 * files the attempt has, or null when the lease no longer holds. An attempt
 * commits once: a repeated commit (a retried call) changes nothing.
 */
export async function commitArtifactsFenced(
  db: Queryable,
  lease: LeaseKey,
  files: ArtifactFileInput[],
): Promise<number | null> {
  const values =
    files.length === 0
      ? sql`select null::text, null::text, null::bigint, null::text, null::boolean where false`
      : sql`values ${sql.join(
          files.map(
            (file) =>
              sql`(${randomUUID()}, ${file.path}, ${file.size}::bigint, ${file.sha256}, ${file.executable}::boolean)`,
          ),
          sql`, `,
        )}`;
  const rows = await queryRows<{ held: number; existing: number; inserted: number }>(
    db,
    sql`
    with lease as (${heldLeaseRow(lease)}),
    existing as (select count(*)::int as n from artifacts where job_id = ${lease.jobId} and attempt = ${lease.attempt}),
    stored as (
      insert into artifacts (id, run_id, job_id, attempt, path, size, sha256, executable)
      select file.id, jobs.run_id, jobs.id, ${lease.attempt}, file.path, file.size, file.sha256, file.executable
      from (${values}) as file (id, path, size, sha256, executable), jobs
      where jobs.id = ${lease.jobId} and exists (select 1 from lease) and (select n from existing) = 0
      on conflict do nothing
      returning 1
    )
    select (select count(*)::int from lease) as held, (select n from existing) as existing,
      (select count(*)::int from stored) as inserted`,
  );
  const row = rows[0];
  if (!row?.held) return null;
  return row.existing > 0 ? row.existing : row.inserted;
}

const selectArtifacts = sql`
  select a.id, a.run_id, a.job_id, jobs.name as job_name, a.attempt, a.path, a.size, a.sha256, a.executable, a.created_at
  from artifacts a join jobs on jobs.id = a.job_id`;

/** The committed files of the run, by job position, attempt and path: the first `limit`, and whether there are more. */
export async function listRunArtifacts(
  db: Queryable,
  runId: string,
  limit = 10_000,
): Promise<{ artifacts: ArtifactRecord[]; truncated: boolean }> {
  const rows = await queryRows<ArtifactRow>(
    db,
    sql`${selectArtifacts} join stages on stages.id = jobs.stage_id
    where a.run_id = ${runId}
    order by stages.position, jobs.position, a.attempt, a.path limit ${limit + 1}`,
  );
  return { artifacts: rows.slice(0, limit).map(toArtifact), truncated: rows.length > limit };
}

export async function findRunArtifact(db: Queryable, runId: string, id: string): Promise<ArtifactRecord | null> {
  const rows = await queryRows<ArtifactRow>(db, sql`${selectArtifacts} where a.run_id = ${runId} and a.id = ${id}`);
  return rows[0] ? toArtifact(rows[0]) : null;
}

/**
 * The files a job's `needs_artifacts` names: those committed by the latest
 * attempt of each job of that name in an earlier stage of the same run (the
 * parser made each name point at exactly one earlier stage).
 */
export async function neededArtifacts(db: Queryable, jobId: string): Promise<ArtifactRecord[]> {
  const rows = await queryRows<ArtifactRow>(
    db,
    sql`
    with me as (
      select jobs.run_id, stages.position, array(select jsonb_array_elements_text(jobs.spec -> 'needsArtifacts')) as needs
      from jobs join stages on stages.id = jobs.stage_id where jobs.id = ${jobId}
    )
    ${selectArtifacts} join stages on stages.id = jobs.stage_id, me
    where jobs.run_id = me.run_id and stages.position < me.position and jobs.name = any(me.needs)
      and a.attempt = jobs.attempt
    order by stages.position, jobs.position, a.path`,
  );
  return rows.map(toArtifact);
}

/** The names of the jobs whose artifacts the job receives (its `needs_artifacts`). */
export async function artifactNeedsOf(db: Queryable, jobId: string): Promise<string[]> {
  const rows = await queryRows<{ name: string }>(
    db,
    sql`select jsonb_array_elements_text(spec -> 'needsArtifacts') as name from jobs where id = ${jobId}`,
  );
  return rows.map((row) => row.name);
}

/** The jobs whose artifacts the jobs of a stage need (the union of their `needs_artifacts`). */
export async function artifactNeedsOfStage(db: Queryable, stageId: string): Promise<string[]> {
  const rows = await queryRows<{ name: string }>(
    db,
    sql`select distinct jsonb_array_elements_text(spec -> 'needsArtifacts') as name from jobs where stage_id = ${stageId} order by name`,
  );
  return rows.map((row) => row.name);
}

/** What the jobs of a stage will receive: the union of their `needs_artifacts`, by stage, job and path. */
export async function artifactsNeededByStage(db: Queryable, stageId: string): Promise<ArtifactRecord[]> {
  const rows = await queryRows<ArtifactRow>(
    db,
    sql`
    with me as (
      select stages.run_id, stages.position,
        array(select distinct jsonb_array_elements_text(j.spec -> 'needsArtifacts') from jobs j where j.stage_id = stages.id) as needs
      from stages where stages.id = ${stageId}
    )
    ${selectArtifacts} join stages on stages.id = jobs.stage_id, me
    where jobs.run_id = me.run_id and stages.position < me.position and jobs.name = any(me.needs)
      and a.attempt = jobs.attempt
    order by stages.position, jobs.position, a.path`,
  );
  return rows.map(toArtifact);
}

function toArtifact(row: ArtifactRow): ArtifactRecord {
  return {
    id: row.id,
    runId: row.run_id,
    jobId: row.job_id,
    jobName: row.job_name,
    attempt: row.attempt,
    path: row.path,
    size: Number(row.size),
    sha256: row.sha256,
    executable: row.executable,
    createdAt: new Date(row.created_at),
  };
}

/** The run of the attempt while its lease holds; null when it no longer does. */
export async function runOfHeldLease(db: Queryable, lease: LeaseKey): Promise<string | null> {
  const rows = await queryRows<{ run_id: string }>(
    db,
    sql`select run_id from jobs
      where id = ${lease.jobId} and attempt = ${lease.attempt} and lease_token = ${lease.leaseToken} and status = 'running'`,
  );
  return rows[0]?.run_id ?? null;
}
