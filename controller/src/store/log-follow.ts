/**
 * Reading a job attempt's log while it is still being written: the pages
 * stored so far, then new chunks as they land, until the attempt has ended.
 */

import { setTimeout as delay } from 'node:timers/promises';
import { and, asc, eq, gt } from 'drizzle-orm';
import { isTerminalJob, type JobStatus } from '../domain/states.js';
import { findLatestAttempt } from './attempts-repository.js';
import type { Queryable } from './database.js';
import { decodeLogChunk } from './log-chunk-codec.js';
import { jobAttempts, jobs, logChunks } from './schema.js';

export interface FollowLogOptions {
  /** How often to look for new chunks while the attempt runs. */
  pollIntervalMs: number;
  /** Ends the generator (no error) when aborted, e.g. when the client disconnects. */
  signal: AbortSignal;
  pageChunks?: number;
  /** Start at this chunk of the attempt (see findTailStart); from the first when left out. */
  fromSeq?: number;
  /** Told which attempt is followed once it is known (the latest when none was asked for). */
  onAttempt?: (attempt: number) => void;
}

/** Whether the attempt exists and whether it is still running; null when it does not exist. */
export async function findAttemptState(
  db: Queryable,
  jobId: string,
  attempt: number,
): Promise<{ running: boolean } | null> {
  const rows = await db
    .select({ status: jobAttempts.status })
    .from(jobAttempts)
    .where(and(eq(jobAttempts.jobId, jobId), eq(jobAttempts.attempt, attempt)));
  const row = rows[0];
  return row ? { running: row.status === 'running' } : null;
}

/**
 * Chunks of one attempt in seq order, waiting for more while the attempt is
 * running. When `attempt` is undefined it waits for the job's first attempt
 * (ending at once if the job ends without one, e.g. skipped or canceled while
 * queued). Ends when the attempt has finished and every chunk stored before
 * that has been yielded, or when `signal` aborts.
 */
export async function* followLogPages(
  db: Queryable,
  jobId: string,
  attempt: number | undefined,
  options: FollowLogOptions,
): AsyncGenerator<Uint8Array> {
  const pageChunks = options.pageChunks ?? 16;
  let chosen = attempt ?? (await findLatestAttempt(db, jobId));
  while (chosen === null) {
    if (await jobHasEnded(db, jobId)) return;
    if (!(await pause(options))) return;
    chosen = await findLatestAttempt(db, jobId);
  }
  options.onAttempt?.(chosen);
  let after = (options.fromSeq ?? 0) - 1;
  // Set once the attempt is seen finished: one more read then collects what landed before the finish.
  let finished = false;
  while (!options.signal.aborted) {
    const rows = await db
      .select({ seq: logChunks.seq, data: logChunks.data, plainBytes: logChunks.plainBytes })
      .from(logChunks)
      .where(and(eq(logChunks.jobId, jobId), eq(logChunks.attempt, chosen), gt(logChunks.seq, after)))
      .orderBy(asc(logChunks.seq))
      .limit(pageChunks);
    for (const row of rows) yield await decodeLogChunk(row);
    after = rows.at(-1)?.seq ?? after;
    if (rows.length === pageChunks) continue;
    if (finished) return;
    const state = await findAttemptState(db, jobId, chosen);
    if (!state?.running) {
      finished = true;
      continue;
    }
    if (!(await pause(options))) return;
  }
}

async function jobHasEnded(db: Queryable, jobId: string): Promise<boolean> {
  const rows = await db.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, jobId));
  const status = rows[0]?.status;
  return status === undefined || isTerminalJob(status as JobStatus);
}

/** Waits one poll interval; false when the signal aborted meanwhile. */
async function pause(options: FollowLogOptions): Promise<boolean> {
  try {
    await delay(options.pollIntervalMs, undefined, { signal: options.signal });
    return true;
  } catch {
    return false;
  }
}
