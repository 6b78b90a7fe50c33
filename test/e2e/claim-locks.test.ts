/**
 * A batch of claims (controller store/leases-repository.ts, claimJobs) on a
 * real PostgreSQL server never waits for a job row another transaction holds
 * while holding the rows it claimed: it skips the held row and claims it
 * alone afterwards. A run canceled while its jobs are being claimed, which
 * locks the run's queued jobs one after another, then cannot deadlock with
 * the batch.
 */
import { randomUUID } from 'node:crypto';
import { claimJobs, type OpenDatabase, openDatabase } from '@gantry/controller';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../src/harness/fresh-database.js';
import { waitFor } from './wait.js';

describe('a batch of claims on PostgreSQL', () => {
  let opened: OpenDatabase;
  let canceller: pg.Client;
  let observer: pg.Client;

  beforeAll(async () => {
    const url = await freshDatabase();
    opened = await openDatabase({ databaseUrl: url, pgliteDir: '', maxConnections: 2 });
    canceller = new pg.Client({ connectionString: url });
    observer = new pg.Client({ connectionString: url });
    await Promise.all([canceller.connect(), observer.connect()]);
  });
  afterAll(async () => {
    await canceller?.end();
    await observer?.end();
    await opened?.close();
  });

  /** A run with `count` queued jobs, as planning leaves them; their ids. */
  async function queuedRun(count: number): Promise<{ runId: string; jobIds: string[] }> {
    const runId = randomUUID();
    const stageId = randomUUID();
    const jobIds = Array.from({ length: count }, () => randomUUID());
    await observer.query(
      `insert into runs (id, repo, ref, status, triggered_by) values ($1, '/repo', 'main', 'running', 'test')`,
      [runId],
    );
    await observer.query(
      `insert into stages (id, run_id, position, name, status) values ($1, $2, 0, 'fan-out', 'running')`,
      [stageId, runId],
    );
    for (const [position, id] of jobIds.entries()) {
      await observer.query(
        `insert into jobs (id, run_id, stage_id, position, name, queue, status, attempt, spec, queued_at)
         values ($1, $2, $3, $4, $5, 'default', 'queued', 1, '{"name":"j","steps":["true"]}', now())`,
        [id, runId, stageId, position, `j${position}`],
      );
    }
    return { runId, jobIds };
  }

  it('claims what it can lock at once, and the held job alone once its holder is done: no deadlock with a cancel', async () => {
    const { runId, jobIds } = await queuedRun(3);
    const [first, held, last] = jobIds as [string, string, string];
    await canceller.query('begin');
    await canceller.query('select id from jobs where id = $1 for update', [held]);

    const claims = claimJobs(
      opened.db,
      jobIds.map((jobId) => ({ jobId, attempt: 1, agentId: 'agent-1', leaseTtlMs: 30_000 })),
    );
    // The held job's claim waits for its row; the batch before it committed the others.
    await waitFor(
      'the held job’s claim waiting for its row',
      async () =>
        (
          await observer.query<{ waiting: number }>(
            `select count(*)::int as waiting from pg_stat_activity
             where datname = current_database() and wait_event_type = 'Lock'`,
          )
        ).rows[0]?.waiting === 1,
    );
    const statuses = await observer.query<{ id: string; status: string }>(
      'select id, status from jobs where run_id = $1 order by position',
      [runId],
    );
    expect(statuses.rows.map((row) => row.status)).toEqual(['running', 'queued', 'running']);

    // The run's cancel locks its queued jobs: only the held one is left, so it waits for nobody.
    const canceled = await canceller.query(
      `update jobs set status = 'canceled' where run_id = $1 and status = 'queued' returning id`,
      [runId],
    );
    expect(canceled.rows.map((row) => row.id)).toEqual([held]);
    await canceller.query('commit');

    const outcomes = await claims;
    expect(outcomes[0]).toMatchObject({ granted: true, job: { id: first } });
    expect(outcomes[1]).toEqual({ granted: false, reason: 'canceled' });
    expect(outcomes[2]).toMatchObject({ granted: true, job: { id: last } });
  });
});
