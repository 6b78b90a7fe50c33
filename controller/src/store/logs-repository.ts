/** Job output as sequenced chunks, keyed by (jobId, attempt, seq) so a resent chunk is stored once. */
import { and, asc, eq, gt, type SQL, sql } from 'drizzle-orm';
import { findLatestAttempt } from './attempts-repository.js';
import { type Queryable, queryRows } from './database.js';
import { type LeaseKey, writeWhileLeaseHeld } from './leases-repository.js';
import { decodeLogChunk, encodeLogChunk, type StoredLogChunk } from './log-chunk-codec.js';
import { logChunks } from './schema.js';

export interface LogChunkInput {
  seq: number;
  byteOffset: number;
  stepIndex: number;
  data: Uint8Array;
  /** Set when `data` is one gzip member of this many bytes of output (the agent compressed it). */
  plainBytes?: number | null;
}

/**
 * Stores chunks of one attempt only while `lease` holds the job, in one
 * statement (see logChunksInsert). Returns the highest seq of the batch, or
 * null when the lease is no longer held.
 */
export async function appendLogChunksFenced(
  db: Queryable,
  lease: LeaseKey,
  chunks: LogChunkInput[],
): Promise<number | null> {
  if (!(await writeWhileLeaseHeld(db, lease, [await logChunksInsert(lease, chunks)]))) return null;
  return Math.max(...chunks.map((chunk) => chunk.seq));
}

/**
 * The insert of an attempt's chunks, for writeWhileLeaseHeld (which locks the
 * lease row for share, so a concurrent finish or reap waits for it) or for
 * finishAttempt (the finish's own update of that row is the fence). Large
 * chunks are stored compressed (log-chunk-codec.ts), as the agent sent them or
 * compressed here; duplicates (same seq) are ignored.
 */
export async function logChunksInsert(lease: LeaseKey, chunks: LogChunkInput[]): Promise<SQL> {
  const stored = await Promise.all(
    chunks.map((chunk) =>
      chunk.plainBytes ? { data: chunk.data, plainBytes: chunk.plainBytes } : encodeLogChunk(chunk.data),
    ),
  );
  const values = sql.join(
    chunks.map((chunk, index) => {
      const { data, plainBytes } = stored[index] as StoredLogChunk;
      return sql`(${chunk.seq}::int, ${chunk.byteOffset}::bigint, ${chunk.stepIndex}::int, ${asBuffer(data)}::bytea, ${plainBytes}::int)`;
    }),
    sql`, `,
  );
  return sql`
      insert into log_chunks (job_id, attempt, seq, byte_offset, step_index, data, plain_bytes)
      select ${lease.jobId}, ${lease.attempt}, chunk.seq, chunk.byte_offset, chunk.step_index, chunk.data, chunk.plain_bytes
      from (values ${values}) as chunk (seq, byte_offset, step_index, data, plain_bytes)
      where exists (select 1 from lease)
      on conflict do nothing`;
}

/** The same bytes as a Buffer, without copying them (the driver sends a Buffer as binary). */
function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * One attempt's chunks as stored (compressed or not), in seq order from
 * `fromSeq`, a page of `pageChunks` rows at a time.
 */
export async function* readStoredLogChunks(
  db: Queryable,
  jobId: string,
  attempt: number,
  pageChunks: number,
  fromSeq = 0,
): AsyncGenerator<StoredLogChunk> {
  let after = fromSeq - 1;
  for (;;) {
    const rows = await db
      .select({ seq: logChunks.seq, data: logChunks.data, plainBytes: logChunks.plainBytes })
      .from(logChunks)
      .where(and(eq(logChunks.jobId, jobId), eq(logChunks.attempt, attempt), gt(logChunks.seq, after)))
      .orderBy(asc(logChunks.seq))
      .limit(pageChunks);
    yield* rows;
    const last = rows.at(-1);
    if (!last || rows.length < pageChunks) return;
    after = last.seq;
  }
}

/**
 * The output of one attempt (the latest when `attempt` is omitted), in order,
 * a page of chunks at a time so a large log never sits in memory whole.
 */
export async function* readLogPages(
  db: Queryable,
  jobId: string,
  attempt?: number,
  pageChunks = 16,
  /** Start at this chunk (see findTailStart); from the first when left out. */
  fromSeq = 0,
): AsyncGenerator<Uint8Array> {
  const chosen = attempt ?? (await findLatestAttempt(db, jobId));
  if (chosen === null) return;
  for await (const chunk of readStoredLogChunks(db, jobId, chosen, pageChunks, fromSeq)) {
    yield await decodeLogChunk(chunk);
  }
}

/** The whole output of one attempt as one buffer (small logs, tests). */
export async function readLog(db: Queryable, jobId: string, attempt?: number): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of readLogPages(db, jobId, attempt)) parts.push(part);
  return Buffer.concat(parts);
}

/**
 * Where the last `tailBytes` of an attempt's output start: the first chunk
 * holding any of them (its seq and byte offset) and the byte the tail starts
 * at (`cutAt`, inside that chunk). All zero when the log is that short.
 */
export async function findTailStart(
  db: Queryable,
  jobId: string,
  attempt: number,
  tailBytes: number,
): Promise<{ seq: number; byteOffset: number; cutAt: number }> {
  const rows = await queryRows<{ seq: number; byte_offset: string | number; cut_at: string | number }>(
    db,
    sql`
    with size as (
      select coalesce(max(byte_offset + coalesce(plain_bytes, octet_length(data))), 0) - ${tailBytes}::bigint as cut_at
      from log_chunks where job_id = ${jobId} and attempt = ${attempt})
    select seq, byte_offset, size.cut_at from log_chunks, size
    where job_id = ${jobId} and attempt = ${attempt} and byte_offset + coalesce(plain_bytes, octet_length(data)) > size.cut_at
    order by seq limit 1`,
  );
  const row = rows[0];
  if (!row || Number(row.cut_at) <= 0) return { seq: 0, byteOffset: 0, cutAt: 0 };
  return { seq: row.seq, byteOffset: Number(row.byte_offset), cutAt: Number(row.cut_at) };
}
