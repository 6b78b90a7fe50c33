/** Job output as sequenced chunks, keyed by (jobId, attempt, seq) so a resent chunk is stored once. */
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Queryable } from './database.js';
import { jobAttempts, logChunks } from './schema.js';

export interface LogChunkInput {
  seq: number;
  byteOffset: number;
  stepIndex: number;
  data: Uint8Array;
}

/** Inserts chunks of one attempt; duplicates (same seq) are ignored. */
export async function appendLogChunks(
  tx: Queryable,
  jobId: string,
  attempt: number,
  chunks: LogChunkInput[],
): Promise<void> {
  if (chunks.length === 0) return;
  await tx
    .insert(logChunks)
    .values(chunks.map((chunk) => ({ jobId, attempt, ...chunk })))
    .onConflictDoNothing();
}

/** The highest stored seq of an attempt, or -1. */
export async function highestStoredSeq(db: Queryable, jobId: string, attempt: number): Promise<number> {
  const rows = await db
    .select({ seq: sql<number | null>`max(${logChunks.seq})` })
    .from(logChunks)
    .where(and(eq(logChunks.jobId, jobId), eq(logChunks.attempt, attempt)));
  return rows[0]?.seq ?? -1;
}

/** The whole output of one attempt (the latest attempt when `attempt` is omitted), in order. */
export async function readLog(db: Queryable, jobId: string, attempt?: number): Promise<Buffer> {
  const chosen = attempt ?? (await latestAttempt(db, jobId));
  if (chosen === null) return Buffer.alloc(0);
  const rows = await db
    .select({ data: logChunks.data })
    .from(logChunks)
    .where(and(eq(logChunks.jobId, jobId), eq(logChunks.attempt, chosen)))
    .orderBy(asc(logChunks.seq));
  return Buffer.concat(rows.map((row) => Buffer.from(row.data)));
}

async function latestAttempt(db: Queryable, jobId: string): Promise<number | null> {
  const rows = await db
    .select({ attempt: jobAttempts.attempt })
    .from(jobAttempts)
    .where(eq(jobAttempts.jobId, jobId))
    .orderBy(desc(jobAttempts.attempt))
    .limit(1);
  return rows[0]?.attempt ?? null;
}
