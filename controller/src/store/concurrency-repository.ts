/**
 * Concurrency groups: who holds each group, who waits for it. Every acquire
 * and release locks the group's row in `concurrency_locks` (created on first
 * use), so several controllers on one database hand a group to one stage at a
 * time. Lock order, as everywhere: the run first, then the group.
 */
import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { ConcurrencyHolder } from '../domain/run.js';
import { type Queryable, queryRows } from './database.js';
import { concurrencyLocks, stages } from './schema.js';

export interface ConcurrencyClaim {
  group: string;
  runId: string;
  stageId: string;
}

/**
 * Gives the group to the stage when nobody holds it and no stage of an older
 * run (by creation) waits for it; true when the stage holds it afterwards
 * (also when it already did). Caller holds the stage's run lock and has
 * already written the stage `waiting_for_concurrency`.
 */
export async function acquireConcurrency(tx: Queryable, claim: ConcurrencyClaim): Promise<boolean> {
  await tx.insert(concurrencyLocks).values({ name: claim.group }).onConflictDoNothing();
  const [lock] = await tx
    .select({ stageId: concurrencyLocks.stageId })
    .from(concurrencyLocks)
    .where(eq(concurrencyLocks.name, claim.group))
    .for('update');
  if (lock?.stageId === claim.stageId) return true;
  if (lock?.stageId) return false;
  const older = await queryRows<{ id: string }>(
    tx,
    sql`select s.id from stages s join runs r on r.id = s.run_id, runs mine
        where mine.id = ${claim.runId}
          and s.concurrency = ${claim.group} and s.status = 'waiting_for_concurrency' and s.id <> ${claim.stageId}
          and (r.created_at, r.seq) < (mine.created_at, mine.seq)
        limit 1`,
  );
  if (older.length > 0) return false;
  await tx
    .update(concurrencyLocks)
    .set({ runId: claim.runId, stageId: claim.stageId, acquiredAt: sql`now()` })
    .where(eq(concurrencyLocks.name, claim.group));
  return true;
}

/**
 * Frees every group a stage of the run holds once that stage has ended (any
 * terminal status). Returns the freed groups, whose next waiter should be
 * opened after commit. Caller holds the run lock.
 */
export async function releaseEndedHolders(tx: Queryable, runId: string): Promise<string[]> {
  const rows = await tx
    .update(concurrencyLocks)
    .set({ runId: null, stageId: null, acquiredAt: null })
    .where(
      and(
        eq(concurrencyLocks.runId, runId),
        sql`${concurrencyLocks.stageId} in (select id from stages where run_id = ${runId}
          and status not in ('pending', 'awaiting_approval', 'waiting_for_concurrency', 'running'))`,
      ),
    )
    .returning({ name: concurrencyLocks.name });
  return rows.map((row) => row.name);
}

/**
 * For each free group someone waits for (all groups, or only `groups`): the
 * run whose stage is next in line (oldest run first).
 */
export async function findNextWaiters(db: Queryable, groups?: string[]): Promise<{ group: string; runId: string }[]> {
  if (groups?.length === 0) return [];
  const only = groups ? sql`and s.concurrency in (${sql.join(groups, sql`, `)})` : sql``;
  return queryRows<{ group: string; runId: string }>(
    db,
    sql`select distinct on (s.concurrency) s.concurrency as "group", s.run_id as "runId"
        from stages s join runs r on r.id = s.run_id
        left join concurrency_locks l on l.name = s.concurrency
        where s.status = 'waiting_for_concurrency' and l.stage_id is null ${only}
        order by s.concurrency, r.created_at, r.seq`,
  );
}

/** Who holds each of `groups` now (groups nobody holds are left out). */
export async function findHolders(db: Queryable, groups: string[]): Promise<Map<string, ConcurrencyHolder>> {
  if (groups.length === 0) return new Map();
  const rows = await db
    .select({ group: concurrencyLocks.name, runId: concurrencyLocks.runId, stage: stages.name })
    .from(concurrencyLocks)
    .innerJoin(stages, eq(stages.id, concurrencyLocks.stageId))
    .where(and(inArray(concurrencyLocks.name, groups), isNotNull(concurrencyLocks.stageId)));
  return new Map(rows.map((row) => [row.group, { runId: row.runId ?? '', stage: row.stage }]));
}
