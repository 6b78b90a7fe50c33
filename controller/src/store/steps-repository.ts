/** Step reports of an attempt: one row per step, updated as it starts and ends. */
import { sql } from 'drizzle-orm';
import type { Queryable } from './database.js';
import type { LeaseKey } from './leases-repository.js';
import { stepReports } from './schema.js';

/** Idempotent per (jobId, attempt, stepIndex, state). */
export async function recordStep(
  tx: Queryable,
  lease: LeaseKey,
  step: { stepIndex: number; state: string; exitCode: number | null },
): Promise<void> {
  const finished = step.state !== 'running';
  await tx
    .insert(stepReports)
    .values({
      jobId: lease.jobId,
      attempt: lease.attempt,
      stepIndex: step.stepIndex,
      status: step.state,
      exitCode: step.exitCode,
      startedAt: sql`now()`,
      finishedAt: finished ? sql`now()` : null,
    })
    .onConflictDoUpdate({
      target: [stepReports.jobId, stepReports.attempt, stepReports.stepIndex],
      set: finished ? { status: step.state, exitCode: step.exitCode, finishedAt: sql`now()` } : { status: step.state },
    });
}
