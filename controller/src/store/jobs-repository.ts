/**
 * Job attempts: queueing (with its outbox row, in the caller's transaction),
 * the conditional claim, lease renewal and the fenced finish. Every write that
 * an agent causes is conditional on (jobId, attempt, leaseToken) still holding
 * the lease, so a stale agent can never change a job.
 */
import { randomUUID } from 'node:crypto';
import { natsTopology } from '@gantry/proto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Job, JobAttempt } from '../domain/run.js';
import type { AttemptStatus, JobResult, JobStatus } from '../domain/states.js';
import type { Queryable } from './database.js';
import { toJob } from './mappers.js';
import { jobAttempts, jobs, outbox } from './schema.js';

/**
 * Moves jobs to `queued` as their next attempt and writes one outbox row per
 * job in the same transaction. Returns the queued jobs.
 */
export async function queueJobs(tx: Queryable, jobIds: string[]): Promise<Job[]> {
  if (jobIds.length === 0) return [];
  const rows = await tx
    .update(jobs)
    .set({
      status: 'queued',
      attempt: sql`${jobs.attempt} + 1`,
      queuedAt: sql`now()`,
      offers: 1,
      lastOfferedAt: sql`now()`,
      cancelRequested: false,
      agentId: null,
      leaseToken: null,
      leaseExpiresAt: null,
      exitCode: null,
      message: null,
      finishedAt: null,
    })
    .where(inArray(jobs.id, jobIds))
    .returning();
  await tx.insert(outbox).values(
    rows.map((row) => ({
      subject: natsTopology.jobsSubject(row.queue),
      msgId: `${row.id}.${row.attempt}`,
      payload: { jobId: row.id, attempt: row.attempt, runId: row.runId },
    })),
  );
  return rows.map(toJob);
}

export type ClaimOutcome =
  | { granted: true; job: Job; leaseToken: string }
  | { granted: false; reason: 'taken' | 'stale_attempt' | 'canceled' | 'unknown_job' };

/** The conditional claim of DESIGN.md §4: exactly one caller wins a queued attempt. */
export async function claimJob(
  tx: Queryable,
  input: { jobId: string; attempt: number; agentId: string; leaseTtlMs: number },
): Promise<ClaimOutcome> {
  const leaseToken = randomUUID();
  const claimed = await tx
    .update(jobs)
    .set({
      status: 'running',
      agentId: input.agentId,
      leaseToken,
      leaseExpiresAt: sql`now() + make_interval(secs => ${input.leaseTtlMs / 1000})`,
      startedAt: sql`coalesce(${jobs.startedAt}, now())`,
    })
    .where(and(eq(jobs.id, input.jobId), eq(jobs.attempt, input.attempt), eq(jobs.status, 'queued')))
    .returning();
  const row = claimed[0];
  if (row) {
    await tx.insert(jobAttempts).values({
      jobId: row.id,
      attempt: row.attempt,
      status: 'running',
      agentId: input.agentId,
      leaseToken,
    });
    return { granted: true, job: toJob(row), leaseToken };
  }
  const current = await tx.select().from(jobs).where(eq(jobs.id, input.jobId));
  const job = current[0];
  if (!job) return { granted: false, reason: 'unknown_job' };
  if (job.status === 'canceled') return { granted: false, reason: 'canceled' };
  if (job.attempt !== input.attempt) return { granted: false, reason: 'stale_attempt' };
  return { granted: false, reason: 'taken' };
}

export interface LeaseKey {
  jobId: string;
  attempt: number;
  leaseToken: string;
}

const holdsLease = (lease: LeaseKey) =>
  and(
    eq(jobs.id, lease.jobId),
    eq(jobs.attempt, lease.attempt),
    eq(jobs.leaseToken, lease.leaseToken),
    eq(jobs.status, 'running'),
  );

/** Extends a held lease by one TTL from database time; null when the lease is no longer held. */
export async function renewLease(
  db: Queryable,
  lease: LeaseKey,
  leaseTtlMs: number,
): Promise<{ expiresAt: Date; cancelRequested: boolean } | null> {
  const rows = await db
    .update(jobs)
    .set({ leaseExpiresAt: sql`now() + make_interval(secs => ${leaseTtlMs / 1000})` })
    .where(holdsLease(lease))
    .returning({ expiresAt: jobs.leaseExpiresAt, cancelRequested: jobs.cancelRequested });
  const row = rows[0];
  if (!row?.expiresAt) return null;
  return { expiresAt: row.expiresAt, cancelRequested: row.cancelRequested };
}

/** Locks the job row for share while the lease holds, so a finish or reap waits for this transaction. */
export async function lockHeldLease(tx: Queryable, lease: LeaseKey): Promise<boolean> {
  const rows = await tx.select({ id: jobs.id }).from(jobs).where(holdsLease(lease)).for('share');
  return rows.length > 0;
}

/**
 * Ends the attempt holding `lease` with the agent's result. Returns the job as
 * it was before (for the retry decision), or null if the lease is not held —
 * including a repeat of a finish already applied (see `wasFinishedBy`).
 */
export async function finishAttempt(
  tx: Queryable,
  lease: LeaseKey,
  result: { status: JobResult; exitCode: number | null; message: string | null },
): Promise<Job | null> {
  const rows = await tx
    .update(jobs)
    .set({
      status: result.status satisfies JobStatus,
      exitCode: result.exitCode,
      message: result.message,
      leaseToken: null,
      leaseExpiresAt: null,
      finishedAt: sql`now()`,
    })
    .where(holdsLease(lease))
    .returning();
  const row = rows[0];
  if (!row) return null;
  await tx
    .update(jobAttempts)
    .set({ status: result.status, exitCode: result.exitCode, message: result.message, finishedAt: sql`now()` })
    .where(and(eq(jobAttempts.jobId, lease.jobId), eq(jobAttempts.attempt, lease.attempt)));
  return toJob(row);
}

/** True when this exact lease already finished its attempt (a retried FinishJob). */
export async function wasFinishedBy(db: Queryable, lease: LeaseKey): Promise<boolean> {
  const rows = await db
    .select({ status: jobAttempts.status })
    .from(jobAttempts)
    .where(
      and(
        eq(jobAttempts.jobId, lease.jobId),
        eq(jobAttempts.attempt, lease.attempt),
        eq(jobAttempts.leaseToken, lease.leaseToken),
      ),
    );
  const status = rows[0]?.status;
  return status !== undefined && status !== 'running';
}

/** How many earlier attempts of a job ended with the given status. */
export async function countAttempts(db: Queryable, jobId: string, status: string): Promise<number> {
  const rows = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(jobAttempts)
    .where(and(eq(jobAttempts.jobId, jobId), eq(jobAttempts.status, status)));
  return rows[0]?.count ?? 0;
}

export async function findJobOfRun(db: Queryable, runId: string, jobId: string): Promise<Job | null> {
  const rows = await db
    .select()
    .from(jobs)
    .where(and(eq(jobs.runId, runId), eq(jobs.id, jobId)));
  return rows[0] ? toJob(rows[0]) : null;
}

export async function findRunIdOfJob(db: Queryable, jobId: string): Promise<string | null> {
  const rows = await db.select({ runId: jobs.runId }).from(jobs).where(eq(jobs.id, jobId));
  return rows[0]?.runId ?? null;
}

export interface HeldLease extends LeaseKey {
  runId: string;
  agentId: string | null;
}

const heldLeaseColumns = {
  jobId: jobs.id,
  attempt: jobs.attempt,
  leaseToken: jobs.leaseToken,
  runId: jobs.runId,
  agentId: jobs.agentId,
};

function toHeldLeases(
  rows: { jobId: string; attempt: number; leaseToken: string | null; runId: string; agentId: string | null }[],
): HeldLease[] {
  return rows.flatMap((row) => (row.leaseToken ? [{ ...row, leaseToken: row.leaseToken }] : []));
}

/** Running attempts whose lease expired by database time, oldest expiry first. */
export async function findExpiredLeases(db: Queryable, limit: number): Promise<HeldLease[]> {
  const rows = await db
    .select(heldLeaseColumns)
    .from(jobs)
    .where(and(eq(jobs.status, 'running'), sql`${jobs.leaseExpiresAt} < now()`))
    .orderBy(jobs.leaseExpiresAt)
    .limit(limit);
  return toHeldLeases(rows);
}

/** Running attempts held by one agent. */
export async function findLeasesOfAgent(db: Queryable, agentId: string): Promise<HeldLease[]> {
  const rows = await db
    .select(heldLeaseColumns)
    .from(jobs)
    .where(and(eq(jobs.status, 'running'), eq(jobs.agentId, agentId)));
  return toHeldLeases(rows);
}

/**
 * Ends the attempt holding `lease` as `lost` (its agent vanished). The job is
 * left `failed` with a message; the caller re-queues it when the retry policy
 * allows. Returns the job, or null when the lease is no longer held.
 */
export async function markAttemptLost(tx: Queryable, lease: LeaseKey, reason: string): Promise<Job | null> {
  const rows = await tx
    .update(jobs)
    .set({
      status: 'failed',
      message: reason,
      exitCode: null,
      leaseToken: null,
      leaseExpiresAt: null,
      finishedAt: sql`now()`,
    })
    .where(holdsLease(lease))
    .returning();
  const row = rows[0];
  if (!row) return null;
  await tx
    .update(jobAttempts)
    .set({ status: 'lost', message: reason, finishedAt: sql`now()` })
    .where(and(eq(jobAttempts.jobId, lease.jobId), eq(jobAttempts.attempt, lease.attempt)));
  return toJob(row);
}

/** Whether a cancel was requested for the job (it must not be retried). */
export async function isCancelRequested(db: Queryable, jobId: string): Promise<boolean> {
  const rows = await db.select({ cancel: jobs.cancelRequested }).from(jobs).where(eq(jobs.id, jobId));
  return rows[0]?.cancel ?? false;
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
 * Queued attempts whose offer was published more than `olderThanMs` ago and
 * still not claimed: the message may be lost inside NATS. Writes a fresh
 * outbox row for each (a new Nats-Msg-Id, so JetStream does not drop it as a
 * duplicate) and returns how many. Claims stay conditional, so a duplicate
 * offer is harmless.
 */
export async function republishStaleOffers(tx: Queryable, olderThanMs: number, limit: number): Promise<number> {
  const stale = await tx
    .select({ id: jobs.id })
    .from(jobs)
    .where(
      and(
        eq(jobs.status, 'queued'),
        sql`coalesce(${jobs.lastOfferedAt}, ${jobs.queuedAt}) < now() - make_interval(secs => ${olderThanMs / 1000})`,
      ),
    )
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

/** Attempt history of the given jobs, oldest first. */
export async function listAttempts(db: Queryable, jobIds: string[]): Promise<(JobAttempt & { jobId: string })[]> {
  if (jobIds.length === 0) return [];
  const rows = await db
    .select()
    .from(jobAttempts)
    .where(inArray(jobAttempts.jobId, jobIds))
    .orderBy(jobAttempts.jobId, jobAttempts.attempt);
  return rows.map((row) => ({
    jobId: row.jobId,
    attempt: row.attempt,
    status: row.status as AttemptStatus,
    agentId: row.agentId,
    exitCode: row.exitCode,
    message: row.message,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  }));
}
