/**
 * The transactional outbox: offers are written in the transaction that queues
 * their jobs (jobs-repository.ts); the relay publishes them (those it is
 * handed right after the commit, and those it takes from the table) and marks
 * them sent.
 */
import { asc, isNull, sql } from 'drizzle-orm';
import { type Queryable, queryRows } from './database.js';
import { outbox } from './schema.js';

export interface OutboxMessage {
  id: number;
  subject: string;
  msgId: string;
  payload: unknown;
}

/**
 * Locks up to `limit` unpublished rows, oldest first, skipping rows another
 * replica's relay holds. Call inside a transaction and mark them in the same one.
 */
export async function takeUnpublished(tx: Queryable, limit: number): Promise<OutboxMessage[]> {
  return tx
    .select({ id: outbox.id, subject: outbox.subject, msgId: outbox.msgId, payload: outbox.payload })
    .from(outbox)
    .where(isNull(outbox.publishedAt))
    .orderBy(asc(outbox.id))
    .limit(limit)
    .for('update', { skipLocked: true });
}

/**
 * Marks rows sent; a row marked already keeps its first time. The ids go as
 * one array: one statement text for any number of rows, prepared once.
 */
export async function markPublished(tx: Queryable, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.execute(
    sql`update outbox set published_at = now() where id = any(${sql.param(ids)}::bigint[]) and published_at is null`,
  );
}

/** Age in ms (by database time) of the oldest row the relay has not published yet; null when none waits. */
export async function oldestUnpublishedAgeMs(db: Queryable): Promise<number | null> {
  const rows = await queryRows<{ age_ms: number }>(
    db,
    sql`select (extract(epoch from now() - created_at) * 1000)::float8 as age_ms
        from outbox where published_at is null order by id limit 1`,
  );
  return rows[0] ? Number(rows[0].age_ms) : null;
}
