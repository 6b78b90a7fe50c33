/** Runs waiting at the same gate: the stage of that name awaiting approval in other runs of the same repository. */
import { sql } from 'drizzle-orm';
import { type Queryable, queryRows } from './database.js';

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
    sql`select r.id as "runId", s.id as "stageId", (r.created_at, r.id) < (mine.created_at, mine.id) as older
        from stages s join runs r on r.id = s.run_id, runs mine
        where mine.id = ${runId} and r.id <> mine.id and r.repo = mine.repo
          and s.name = ${stageName} and s.status = 'awaiting_approval'
        order by r.created_at desc, r.id desc`,
  );
}
