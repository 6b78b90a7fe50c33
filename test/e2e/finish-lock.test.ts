/**
 * A finish sends the statement that locks its run and the one that ends its
 * attempt together (controller store/leases-repository.ts,
 * lockRunAndFinishAttempt). On a real PostgreSQL server the finish must
 * still run after the lock is held, on a snapshot taken then: a finish that
 * waited for the lock while another finish of the stage held it reads that
 * one's outcome, so exactly one of them sees the stage done.
 */
import { randomUUID } from 'node:crypto';
import { lockRunAndFinishAttempt, type OpenDatabase, openDatabase } from '@gantry/controller';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../src/harness/fresh-database.js';
import { waitFor } from './wait.js';

describe('a finish behind its run lock on PostgreSQL', () => {
  let opened: OpenDatabase;
  let holder: pg.Client;
  let observer: pg.Client;

  beforeAll(async () => {
    const url = await freshDatabase();
    opened = await openDatabase({ databaseUrl: url, pgliteDir: '', maxConnections: 1 });
    holder = new pg.Client({ connectionString: url });
    observer = new pg.Client({ connectionString: url });
    await Promise.all([holder.connect(), observer.connect()]);
  });
  afterAll(async () => {
    await holder?.end();
    await observer?.end();
    await opened?.close();
  });

  /** A run whose one stage has two running attempts, as two claims leave them. */
  async function runningPair(): Promise<{
    runId: string;
    leases: { jobId: string; attempt: number; leaseToken: string }[];
  }> {
    const runId = randomUUID();
    const stageId = randomUUID();
    await observer.query(
      `insert into runs (id, repo, ref, status, triggered_by) values ($1, '/repo', 'main', 'running', 'test')`,
      [runId],
    );
    await observer.query(
      `insert into stages (id, run_id, position, name, status) values ($1, $2, 0, 'test', 'running')`,
      [stageId, runId],
    );
    const leases = [];
    for (const position of [0, 1]) {
      const lease = { jobId: randomUUID(), attempt: 1, leaseToken: randomUUID() };
      await observer.query(
        `insert into jobs (id, run_id, stage_id, position, name, queue, status, attempt, spec, queued_at,
           agent_id, lease_token, lease_expires_at, started_at)
         values ($1, $2, $3, $4, $5, 'default', 'running', 1, '{"name":"j","steps":["true"]}', now(),
           'agent-1', $6, now() + interval '1 minute', now())`,
        [lease.jobId, runId, stageId, position, `j${position}`, lease.leaseToken],
      );
      await observer.query(
        `insert into job_attempts (job_id, attempt, status, agent_id, lease_token)
         values ($1, 1, 'running', 'agent-1', $2)`,
        [lease.jobId, lease.leaseToken],
      );
      leases.push(lease);
    }
    return { runId, leases };
  }

  it('waits for the run lock, then reads the stage as the lock holder left it', async () => {
    const { runId, leases } = await runningPair();
    const [first, second] = leases as [(typeof leases)[number], (typeof leases)[number]];
    // Another finish of the stage holds the run's lock and has ended its attempt, not yet committed.
    await holder.query('begin');
    await holder.query('select id from runs where id = $1 for update', [runId]);
    await holder.query(`update jobs set status = 'succeeded', lease_token = null, finished_at = now() where id = $1`, [
      first.jobId,
    ]);

    const succeeded = { status: 'succeeded' as const, exitCode: 0, message: null };
    const finishing = opened.db.transaction((tx) =>
      lockRunAndFinishAttempt(tx, second, succeeded, { writes: [], stepIndexes: [] }),
    );
    await waitFor(
      'the finish waiting for its run’s lock',
      async () =>
        (
          await observer.query<{ waiting: number }>(
            `select count(*)::int as waiting from pg_stat_activity
             where datname = current_database() and wait_event_type = 'Lock'`,
          )
        ).rows[0]?.waiting === 1,
    );
    // Its attempt is not ended yet: the finish was sent, and waits behind the lock.
    const before = await observer.query<{ status: string }>('select status from jobs where id = $1', [second.jobId]);
    expect(before.rows[0]?.status).toBe('running');
    await holder.query('commit');

    const { run, job, refused } = await finishing;
    expect(refused).toBe(false);
    expect(run?.id).toBe(runId);
    // Its snapshot came after the lock: the holder's finish counts, so this one ended the stage.
    expect(job?.othersUnfinished).toBe(false);
    expect(job?.runStages?.[0]?.jobs.map((stageJob) => stageJob.status)).toEqual(['succeeded', 'succeeded']);
  });
});
