/** Runs waiting at the same gate: the stage of that name awaiting approval in other runs of the same repository. */
import { sql } from 'drizzle-orm';
import { type Queryable, queryRows } from './database.js';

/** First key of the gates' two-key advisory locks ("gate" in ASCII); the migrations' one-key lock is another space. */
const GATE_LOCK_NAMESPACE = 0x67617465;

/**
 * Takes the lock of the gate `stageName` of `runId`'s repository until the
 * transaction ends, so that two runs reaching it at once see each other:
 * without it each transaction would look for other waiters before the other
 * committed, find none, and both would wait at a `supersede: true` gate.
 * A statement of its own: under READ COMMITTED a statement sees what was
 * committed when it began, so the waiters must be read by a later one.
 */
export async function lockGate(db: Queryable, runId: string, stageName: string): Promise<void> {
  await db.execute(
    sql`select pg_advisory_xact_lock(${GATE_LOCK_NAMESPACE}, hashtext(repo || '/' || ${stageName}))
        from runs where id = ${runId}`,
  );
}

export interface GateWaiter {
  runId: string;
  stageId: string;
  /** Created before the run asked about (trigger order). */
  older: boolean;
}

/** Other runs of `runId`'s repository whose stage `stageName` awaits approval, newest first. */
export async function findOtherGateWaiters(db: Queryable, runId: string, stageName: string): Promise<GateWaiter[]> {
  return queryRows<GateWaiter>(
    db,
    sql`select r.id as "runId", s.id as "stageId", (r.created_at, r.seq) < (mine.created_at, mine.seq) as older
        from stages s join runs r on r.id = s.run_id, runs mine
        where mine.id = ${runId} and r.id <> mine.id and r.repo = mine.repo
          and s.name = ${stageName} and s.status = 'awaiting_approval'
        order by r.created_at desc, r.seq desc`,
  );
}
