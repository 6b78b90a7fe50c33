/**
 * Which replica plans an accepted run. Planning reads the pipeline from git
 * (seconds, for a large repository), too long to hold a row lock, so a replica
 * claims the run with a conditional UPDATE that sets `planning_claimed_until`
 * (database time) and extends it while it works. A run whose claim lapsed —
 * its replica died before or during planning — is claimable again by any
 * replica's planning sweep.
 */
import { sql } from 'drizzle-orm';
import { type Queryable, queryRows } from './database.js';

const unplanned = sql`runs.status = 'queued' and runs.pipeline_name is null`;
const unclaimed = sql`(runs.planning_claimed_until is null or runs.planning_claimed_until < now())`;

/** Claims `runId` for `ttlMs` if it is unplanned and nobody holds a live claim. True when this caller won. */
export async function claimPlanning(db: Queryable, runId: string, ttlMs: number): Promise<boolean> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`update runs set planning_claimed_until = now() + make_interval(secs => ${ttlMs / 1000})
    where runs.id = ${runId} and ${unplanned} and ${unclaimed}
    returning runs.id`,
  );
  return rows.length > 0;
}

/** Extends a claim this caller holds while the run is still unplanned. */
export async function extendPlanningClaim(db: Queryable, runId: string, ttlMs: number): Promise<void> {
  await db.execute(
    sql`update runs set planning_claimed_until = now() + make_interval(secs => ${ttlMs / 1000})
    where runs.id = ${runId} and ${unplanned}`,
  );
}

/**
 * Unplanned runs accepted more than `olderThanMs` ago that nobody is planning
 * (no claim, or a lapsed one), oldest first. Rows another replica is claiming
 * right now are skipped, not waited for.
 */
export async function findUnclaimedUnplannedRuns(db: Queryable, olderThanMs: number, limit: number): Promise<string[]> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`select runs.id from runs
    where ${unplanned} and ${unclaimed}
      and runs.created_at < now() - make_interval(secs => ${olderThanMs / 1000})
    order by runs.created_at
    limit ${limit}
    for update skip locked`,
  );
  return rows.map((row) => row.id);
}
