/** The attempt history of jobs: one row per claim, never deleted. */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { JobAttempt } from '../domain/run.js';
import type { AttemptStatus } from '../domain/states.js';
import type { Queryable } from './database.js';
import { jobAttempts } from './schema.js';

export async function countAttempts(db: Queryable, jobId: string, status: string): Promise<number> {
  const rows = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(jobAttempts)
    .where(and(eq(jobAttempts.jobId, jobId), eq(jobAttempts.status, status)));
  return rows[0]?.count ?? 0;
}

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

/** The number of the job's latest attempt, or null before its first claim. */
export async function findLatestAttempt(db: Queryable, jobId: string): Promise<number | null> {
  const rows = await db
    .select({ attempt: jobAttempts.attempt })
    .from(jobAttempts)
    .where(eq(jobAttempts.jobId, jobId))
    .orderBy(desc(jobAttempts.attempt))
    .limit(1);
  return rows[0]?.attempt ?? null;
}
