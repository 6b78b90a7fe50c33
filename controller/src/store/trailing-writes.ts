/**
 * Transactions whose last writes travel with their COMMIT.
 *
 * A transaction usually waits for the answers to its last writes before it
 * sends COMMIT: a round trip for the writes, another for the COMMIT. When
 * nothing the transaction still does depends on those answers, the COMMIT
 * can follow the writes at once: the pool's connections pipeline (a query is
 * sent without waiting for the one before it) and PGlite runs statements in
 * the order they were sent, so the writes and the COMMIT share one round
 * trip. PostgreSQL runs them in order: a write that fails aborts the
 * transaction and the COMMIT behind it rolls it back (node-postgres reports
 * that COMMIT as done, PGlite as an error). Either way the writes' answers
 * are read after the COMMIT's, and a failed write is thrown as itself.
 *
 * `work`'s contract: every statement of `trailing` has been sent when `work`
 * resolves, and `work` sends nothing after them. A write sends its statement
 * when it is called if it is one drizzle statement awaited (or `.then`ed) at
 * once, with no `await` before it; a write of several statements, one after
 * another's answer, must be awaited inside `work` instead.
 *
 * An error thrown here after the COMMIT was answered while the server
 * committed (a failure in handling a write's answer, not in the write) leaves
 * the transaction committed: callers treat it as they treat a COMMIT whose
 * answer was lost, by reading the state again rather than assuming nothing
 * was written.
 */
import type { Database, Transaction } from './database.js';

/** What `work` returns: its result, and its last writes, sent and not yet answered. */
export interface SentWithTrailingWrites<T> {
  value: T;
  /** Settles once every trailing write is answered; rejects with the first failed one's error. */
  trailing: Promise<void>;
}

/** The result of work that left no write unanswered. */
export function withNoTrailingWrites<T>(value: T): SentWithTrailingWrites<T> {
  return { value, trailing: Promise.resolve() };
}

/** Settles once all `writes` are answered; rejects with the error of the first one, in the order they were sent, that failed. */
export async function answersInOrder(writes: readonly Promise<unknown>[]): Promise<void> {
  const settled = await Promise.allSettled(writes);
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Runs `work` in a transaction whose COMMIT is sent right behind `work`'s trailing writes (see above). */
export async function transactionWithTrailingWrites<T>(
  db: Database,
  work: (tx: Transaction) => Promise<SentWithTrailingWrites<T>>,
): Promise<T> {
  let trailing: Promise<void> = Promise.resolve();
  let value: T;
  try {
    value = await db.transaction(async (tx) => {
      const sent = await work(tx);
      trailing = sent.trailing;
      // Read after the COMMIT, below; until then its failure is not an unhandled one.
      trailing.catch(() => {});
      return sent.value;
    });
  } catch (error) {
    // A failed trailing write turned the COMMIT into a rollback: its own error says why.
    await trailing;
    throw error;
  }
  await trailing;
  return value;
}
