/**
 * The endings of one run's attempts go to the database one transaction at a
 * time: the finishes of a stage's jobs, which come together, do not each
 * hold a connection while they wait for the run's lock, and those that
 * waited leave together. Endings of other runs are not held back, and every
 * ending still counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashAgentSecret } from '../domain/agent-secrets.js';
import type { Database } from '../store/database.js';
import { findRunDetail } from '../store/runs-repository.js';
import { openTestApp, type TestApp, triggerTestRun } from '../testing/api-test-app.js';
import { enrolTestAgent } from '../testing/enrolled-agent.js';
import { fanOutPipeline } from '../testing/pipeline-repo.js';

const cells = 8;
const pipeline = fanOutPipeline(cells);

/** Counts the transactions made on `db`, and those open at once (from the call until it settles). */
function countTransactions(db: Database): { made: () => number; most: () => number; restore: () => void } {
  const transaction = db.transaction.bind(db);
  let made = 0;
  let open = 0;
  let most = 0;
  db.transaction = ((...args: Parameters<typeof transaction>) => {
    made++;
    open++;
    most = Math.max(most, open);
    return transaction(...args).finally(() => open--);
  }) as typeof db.transaction;
  return {
    made: () => made,
    most: () => most,
    restore: () => {
      db.transaction = transaction;
    },
  };
}

describe('endings of one run', { timeout: 60_000 }, () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await openTestApp({ pipeline });
  }, 60_000);
  afterAll(async () => {
    await testApp?.close();
  });

  /** Triggers a run and claims all its jobs (as `agentId`); returns the run and the leases. */
  async function claimedRun(agentId = 'agent-1') {
    const runId = await triggerTestRun(testApp);
    const jobs = (await findRunDetail(testApp.database.db, runId))?.stages[0]?.jobs ?? [];
    expect(jobs).toHaveLength(cells);
    const leases = await Promise.all(
      jobs.map(async (job) => {
        const claim = await testApp.lifecycle.claim(agentId, job.id, job.attempt);
        if (!claim.granted) throw new Error(`claim refused: ${claim.reason}`);
        return { jobId: job.id, attempt: job.attempt, leaseToken: claim.leaseToken };
      }),
    );
    return { runId, leases };
  }

  it('finishes the jobs of one run one transaction at a time, those that waited together', async () => {
    const first = await claimedRun();
    const second = await claimedRun();
    const transactions = countTransactions(testApp.database.db);
    try {
      const succeeded = { status: 'succeeded' as const, exitCode: 0, message: null };
      // Both runs' finishes at once: at most one transaction of each run is open at a time, and
      // a run's first finish leaves alone, the 7 that came while it was out in the next one.
      const finishes = [...first.leases, ...second.leases].map((lease) => testApp.lifecycle.finish(lease, succeeded));
      expect(await Promise.all(finishes)).toEqual(Array(2 * cells).fill('finished'));
      expect(transactions.most()).toBe(2);
      expect(transactions.made()).toBe(4);
    } finally {
      transactions.restore();
    }
    await testApp.scheduler.settle();
    for (const { runId } of [first, second]) {
      const run = await findRunDetail(testApp.database.db, runId);
      expect(run?.status).toBe('succeeded');
      expect(run?.stages[0]?.jobs.map((job) => job.status)).toEqual(Array(cells).fill('succeeded'));
    }
  });

  it('answers a repeated finish as before, once the attempt is forgotten', async () => {
    const { runId, leases } = await claimedRun();
    const failed = { status: 'failed' as const, exitCode: 1, message: 'boom' };
    const lease = leases[0];
    if (!lease) throw new Error('no lease');
    expect(await testApp.lifecycle.finish(lease, failed)).toBe('finished');
    expect(await testApp.lifecycle.finish(lease, failed)).toBe('finished');
    const job = (await findRunDetail(testApp.database.db, runId))?.stages[0]?.jobs.find((j) => j.id === lease.jobId);
    expect(job?.status).toBe('failed');
  });

  it('refuses the finishes another agent sends for an attempt, first in a transaction or behind others, and writes nothing for them', async () => {
    const owner = await enrolTestAgent(testApp.database.db, { name: 'owner' });
    const stranger = await enrolTestAgent(testApp.database.db, { name: 'stranger' });
    const { runId, leases } = await claimedRun(owner.agentId);
    const asOwner = { caller: { credentialHash: hashAgentSecret(owner.credential) } };
    const asStranger = { caller: { credentialHash: hashAgentSecret(stranger.credential) } };
    const succeeded = { status: 'succeeded' as const, exitCode: 0, message: null };
    // The first finish leaves alone and takes the run's lock itself; the rest wait and leave together,
    // where the third is checked under a lock an earlier finish of its transaction took.
    const refused = new Set([0, 3]);
    const answers = await Promise.all(
      leases.map((lease, index) =>
        testApp.lifecycle.finish(lease, succeeded, refused.has(index) ? asStranger : asOwner),
      ),
    );
    expect(answers).toEqual(leases.map((_, index) => (refused.has(index) ? 'not_the_caller' : 'finished')));
    const statuses = async () =>
      (await findRunDetail(testApp.database.db, runId))?.stages[0]?.jobs.map((job) => job.status) ?? [];
    expect(await statuses()).toEqual(leases.map((_, index) => (refused.has(index) ? 'running' : 'succeeded')));

    // The owner's own finishes of those two still count, and end the run.
    for (const index of refused) {
      expect(await testApp.lifecycle.finish(leases[index] as (typeof leases)[number], succeeded, asOwner)).toBe(
        'finished',
      );
    }
    await testApp.scheduler.settle();
    expect(await statuses()).toEqual(Array(cells).fill('succeeded'));
    expect((await findRunDetail(testApp.database.db, runId))?.status).toBe('succeeded');
  });
});
