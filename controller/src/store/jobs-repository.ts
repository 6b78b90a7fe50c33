/**
 * Jobs as units of scheduling: queueing (with the outbox row, in the caller's
 * transaction), cancel, re-publishing unclaimed offers, re-opening for a retry.
 */
import { natsTopology } from '@gantry/proto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Job } from '../domain/run.js';
import type { JobStatus } from '../domain/states.js';
import { type Queryable, queryRows } from './database.js';
import { type HeldLease, heldLeaseColumns, toHeldLeases } from './leases-repository.js';
import { toJob } from './mappers.js';
import type { OutboxMessage } from './outbox-repository.js';
import { jobs, outbox } from './schema.js';

/**
 * Moves jobs to `queued` as their next attempt and writes one outbox row per
 * job, in the caller's transaction and in one statement (the ids go as one
 * array, so its text is the same for any number of jobs and is prepared
 * once). Returns the offers as written: hand them to the relay once the
 * transaction committed (Scheduler.afterCommit).
 */
export async function queueJobs(tx: Queryable, jobIds: string[]): Promise<OutboxMessage[]> {
  if (jobIds.length === 0) return [];
  const rows = await queryRows<{ id: number | string; subject: string; msg_id: string; payload: unknown }>(
    tx,
    sql`with queued as (
      update jobs set status = 'queued', attempt = attempt + 1, queued_at = now(), offers = 1,
        last_offered_at = now(), cancel_requested = false, agent_id = null, lease_token = null,
        lease_expires_at = null, exit_code = null, message = null, finished_at = null
      where id = any(${sql.param(jobIds)}::text[])
      returning id, attempt, run_id, queue
    )
    insert into outbox (subject, msg_id, payload)
    select ${natsTopology.jobsSubjectPrefix} || queue, id || '.' || attempt,
      jsonb_build_object('jobId', id, 'attempt', attempt, 'runId', run_id)
    from queued
    returning id, subject, msg_id, payload`,
  );
  return rows.map((row) => ({ id: Number(row.id), subject: row.subject, msgId: row.msg_id, payload: row.payload }));
}

export async function findJobOfRun(db: Queryable, runId: string, jobId: string): Promise<Job | null> {
  const rows = await db
    .select()
    .from(jobs)
    .where(and(eq(jobs.runId, runId), eq(jobs.id, jobId)));
  return rows[0] ? toJob(rows[0]) : null;
}

export async function setJobStatus(tx: Queryable, jobId: string, status: JobStatus, message?: string): Promise<void> {
  await tx
    .update(jobs)
    .set({ status, ...(message !== undefined ? { message } : {}), finishedAt: sql`now()` })
    .where(eq(jobs.id, jobId));
}

/**
 * Cancel of a run's jobs: pending and queued ones end `canceled` now; running
 * ones are flagged so their agent stops them. Returns the running attempts to
 * notify. Caller holds the run lock.
 */
export async function cancelJobsOfRun(tx: Queryable, runId: string): Promise<HeldLease[]> {
  await tx
    .update(jobs)
    .set({ status: 'canceled', message: 'canceled before it started', finishedAt: sql`now()` })
    .where(and(eq(jobs.runId, runId), inArray(jobs.status, ['pending', 'queued'])));
  const running = await tx
    .update(jobs)
    .set({ cancelRequested: true })
    .where(and(eq(jobs.runId, runId), eq(jobs.status, 'running')))
    .returning(heldLeaseColumns);
  return toHeldLeases(running);
}

/**
 * Per queue: how many jobs are queued, how many of those waited longer than
 * `olderThanMs` since their last offer, and how many of the stale ones were
 * offered again already (their re-offer, too, went unclaimed that long).
 */
export async function countQueuedByQueue(
  db: Queryable,
  olderThanMs: number,
): Promise<{ queue: string; queued: number; stale: number; staleReoffered: number }[]> {
  const isStale = sql`coalesce(${jobs.lastOfferedAt}, ${jobs.queuedAt}) < now() - make_interval(secs => ${olderThanMs / 1000})`;
  return db
    .select({
      queue: jobs.queue,
      queued: sql<number>`count(*)::int`,
      stale: sql<number>`(count(*) filter (where ${isStale}))::int`,
      staleReoffered: sql<number>`(count(*) filter (where ${isStale} and ${jobs.offers} > 1))::int`,
    })
    .from(jobs)
    .where(eq(jobs.status, 'queued'))
    .groupBy(jobs.queue);
}

/**
 * Writes a fresh outbox row (a new Nats-Msg-Id, so JetStream does not drop it
 * as a duplicate) for up to `limit` of the queue's jobs that waited longest
 * since their last offer. Claims stay conditional, so a duplicate offer is
 * harmless. Returns how many were re-offered.
 */
export async function republishStaleOffers(
  tx: Queryable,
  queue: string,
  olderThanMs: number,
  limit: number,
): Promise<number> {
  if (limit <= 0) return 0;
  const stale = await tx
    .select({ id: jobs.id })
    .from(jobs)
    .where(
      and(
        eq(jobs.status, 'queued'),
        eq(jobs.queue, queue),
        sql`coalesce(${jobs.lastOfferedAt}, ${jobs.queuedAt}) < now() - make_interval(secs => ${olderThanMs / 1000})`,
      ),
    )
    .orderBy(sql`coalesce(${jobs.lastOfferedAt}, ${jobs.queuedAt})`)
    .limit(limit)
    .for('update', { skipLocked: true });
  if (stale.length === 0) return 0;
  const rows = await tx
    .update(jobs)
    .set({ offers: sql`${jobs.offers} + 1`, lastOfferedAt: sql`now()` })
    .where(
      inArray(
        jobs.id,
        stale.map((row) => row.id),
      ),
    )
    .returning();
  await tx.insert(outbox).values(
    rows.map((row) => ({
      subject: natsTopology.jobsSubject(row.queue),
      msgId: `${row.id}.${row.attempt}.r${row.offers}`,
      payload: { jobId: row.id, attempt: row.attempt, runId: row.runId },
    })),
  );
  return rows.length;
}

/** Puts finished jobs of later stages back to pending (a manual retry re-opens the run). */
export async function resetJobsToPending(tx: Queryable, stageIds: string[]): Promise<void> {
  if (stageIds.length === 0) return;
  await tx
    .update(jobs)
    .set({ status: 'pending', cancelRequested: false, finishedAt: null, message: null, exitCode: null })
    .where(inArray(jobs.stageId, stageIds));
}

/** Puts one finished job back to pending (its stage waits for its concurrency group before it is queued). */
export async function returnJobToPending(tx: Queryable, jobId: string): Promise<void> {
  await tx
    .update(jobs)
    .set({ status: 'pending', cancelRequested: false, finishedAt: null, message: null, exitCode: null })
    .where(eq(jobs.id, jobId));
}
