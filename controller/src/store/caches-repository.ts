/**
 * Saved caches and the per-attempt reports of what restoring and saving them
 * did. Saves and reports are fenced by the attempt's lease; a save replaces
 * the row of its own (repository, scope, key) only.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { type Queryable, queryRows } from './database.js';
import { heldLeaseRow, type LeaseKey } from './leases-repository.js';

export interface CacheRecord {
  id: string;
  repo: string;
  scope: string;
  key: string;
  objectKey: string;
  format: string;
  size: number;
  sha256: string;
  runId: string;
  jobId: string;
  createdAt: Date;
  lastUsedAt: Date;
}

/**
 * The columns CacheRow reads, named rather than `*`: a prepared statement
 * whose result columns a later migration changed would fail on a replica
 * still running the older release (see prepared-statements.ts).
 */
const cacheColumns = sql.raw(
  'id, repo, scope, key, object_key, format, size, sha256, run_id, job_id, created_at, last_used_at',
);

interface CacheRow {
  id: string;
  repo: string;
  scope: string;
  key: string;
  object_key: string;
  format: string;
  size: string | number;
  sha256: string;
  run_id: string;
  job_id: string;
  created_at: Date | string;
  last_used_at: Date | string;
}

/** The run facts cache calls need, while the attempt's lease holds; null when it does not. */
export async function cacheContextOfLease(
  db: Queryable,
  lease: LeaseKey,
): Promise<{ runId: string; repo: string; ref: string; fullRef: string | null } | null> {
  const rows = await queryRows<{ run_id: string; repo: string; ref: string; full_ref: string | null }>(
    db,
    sql`select runs.id as run_id, runs.repo, runs.ref, runs.full_ref from jobs join runs on runs.id = jobs.run_id
      where jobs.id = ${lease.jobId} and jobs.attempt = ${lease.attempt} and jobs.lease_token = ${lease.leaseToken}
        and jobs.status = 'running'`,
  );
  const row = rows[0];
  return row ? { runId: row.run_id, repo: row.repo, ref: row.ref, fullRef: row.full_ref } : null;
}

/**
 * The cache of `key` (exact) or the newest whose key starts with `key`
 * (prefix), in the first of `scopes` that has one; its last use becomes now.
 */
export async function findCache(
  db: Queryable,
  query: { repo: string; scopes: string[]; key: string; prefix: boolean },
): Promise<CacheRecord | null> {
  const match = query.prefix ? sql`key like ${`${escapeLike(query.key)}%`}` : sql`key = ${query.key}`;
  const rank = sql.join(
    query.scopes.map((scope, index) => sql`when ${scope} then ${index}`),
    sql` `,
  );
  const rows = await queryRows<CacheRow>(
    db,
    sql`update caches set last_used_at = now() where id = (
        select id from caches
        where repo = ${query.repo} and scope in (${sql.join(
          query.scopes.map((scope) => sql`${scope}`),
          sql`, `,
        )}) and ${match}
        order by case scope ${rank} end, created_at desc limit 1)
      returning ${cacheColumns}`,
  );
  return rows[0] ? toCache(rows[0]) : null;
}

/**
 * Records an uploaded archive as the cache of (repo, scope, key) while the
 * lease holds, replacing the one there. Returns the replaced archive's object
 * key ('' when there was none), or null when the lease no longer holds.
 */
export async function saveCacheFenced(
  db: Queryable,
  lease: LeaseKey,
  entry: Omit<CacheRecord, 'id' | 'createdAt' | 'lastUsedAt'>,
): Promise<string | null> {
  const rows = await queryRows<{ held: number; replaced: string | null }>(
    db,
    sql`
    with lease as (${heldLeaseRow(lease)}),
    previous as (
      select object_key from caches where repo = ${entry.repo} and scope = ${entry.scope} and key = ${entry.key}
        and object_key <> ${entry.objectKey}
    ),
    saved as (
      insert into caches (id, repo, scope, key, object_key, format, size, sha256, run_id, job_id)
      select ${randomUUID()}, ${entry.repo}, ${entry.scope}, ${entry.key}, ${entry.objectKey}, ${entry.format},
        ${entry.size}::bigint, ${entry.sha256}, ${entry.runId}, ${entry.jobId}
      where exists (select 1 from lease)
      on conflict (repo, scope, key) do update set object_key = excluded.object_key, format = excluded.format,
        size = excluded.size, sha256 = excluded.sha256, run_id = excluded.run_id, job_id = excluded.job_id,
        created_at = now(), last_used_at = now()
      returning 1
    )
    select (select count(*)::int from lease) as held, (select object_key from previous) as replaced,
      (select count(*)::int from saved) as saved`,
  );
  const row = rows[0];
  if (!row?.held) return null;
  return row.replaced ?? '';
}

/** Caches by repository, newest first; at most `limit`. */
export async function listCaches(db: Queryable, filter: { repo?: string; limit: number }): Promise<CacheRecord[]> {
  const where = filter.repo === undefined ? sql`true` : sql`repo = ${filter.repo}`;
  const rows = await queryRows<CacheRow>(
    db,
    sql`select ${cacheColumns} from caches where ${where} order by repo, created_at desc limit ${filter.limit}`,
  );
  return rows.map(toCache);
}

/** Deletes the caches of a repository (or every cache) and returns them, for their archives to be removed. */
export async function deleteCaches(db: Queryable, filter: { repo?: string }): Promise<CacheRecord[]> {
  const where = filter.repo === undefined ? sql`true` : sql`repo = ${filter.repo}`;
  const rows = await queryRows<CacheRow>(db, sql`delete from caches where ${where} returning ${cacheColumns}`);
  return rows.map(toCache);
}

/** Caches not restored nor saved for `olderThanMs` (retention); at most `limit`. */
export async function findUnusedCaches(db: Queryable, olderThanMs: number, limit: number): Promise<CacheRecord[]> {
  const rows = await queryRows<CacheRow>(
    db,
    sql`select ${cacheColumns} from caches where last_used_at < now() - make_interval(secs => ${olderThanMs / 1000})
      order by last_used_at limit ${limit}`,
  );
  return rows.map(toCache);
}

export async function deleteCachesById(db: Queryable, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.execute(
    sql`delete from caches where id in (${sql.join(
      ids.map((id) => sql`${id}`),
      sql`, `,
    )})`,
  );
}

/** Stores the attempt's cache reports while its lease holds; false when it does not. */
export async function saveCacheReportsFenced(db: Queryable, lease: LeaseKey, reports: unknown[]): Promise<boolean> {
  const rows = await queryRows<{ held: number }>(
    db,
    sql`
    with lease as (${heldLeaseRow(lease)}),
    saved as (
      insert into job_cache_reports (job_id, attempt, reports)
      select ${lease.jobId}, ${lease.attempt}, ${JSON.stringify(reports)}::jsonb where exists (select 1 from lease)
      on conflict (job_id, attempt) do update set reports = excluded.reports
      returning 1
    )
    select (select count(*)::int from lease) as held, (select count(*)::int from saved) as saved`,
  );
  return (rows[0]?.held ?? 0) > 0;
}

/** The reports of each job's current attempt in the run, by job id. */
export async function cacheReportsOfRun(db: Queryable, runId: string): Promise<Map<string, unknown[]>> {
  const rows = await queryRows<{ job_id: string; reports: unknown[] }>(
    db,
    sql`select r.job_id, r.reports from job_cache_reports r join jobs on jobs.id = r.job_id and jobs.attempt = r.attempt
      where jobs.run_id = ${runId}`,
  );
  return new Map(rows.map((row) => [row.job_id, row.reports]));
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

function toCache(row: CacheRow): CacheRecord {
  return {
    id: row.id,
    repo: row.repo,
    scope: row.scope,
    key: row.key,
    objectKey: row.object_key,
    format: row.format,
    size: Number(row.size),
    sha256: row.sha256,
    runId: row.run_id,
    jobId: row.job_id,
    createdAt: new Date(row.created_at),
    lastUsedAt: new Date(row.last_used_at),
  };
}
