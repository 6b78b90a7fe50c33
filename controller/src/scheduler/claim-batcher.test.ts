/**
 * Claims made at once share statements, and each still gets exactly the
 * answer a claim of its own would: one winner per attempt, the refusals'
 * reasons, a retried claim granted again, an attempt row per grant.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashAgentSecret } from '../domain/agent-secrets.js';
import { queryRows } from '../store/database.js';
import type { ClaimInput, ClaimOutcome } from '../store/leases-repository.js';
import { findRunDetail } from '../store/runs-repository.js';
import { sqlStateOf } from '../store/sql-state.js';
import { openTestApp, type TestApp, triggerTestRun } from '../testing/api-test-app.js';
import { enrolTestAgent } from '../testing/enrolled-agent.js';
import { fanOutPipeline } from '../testing/pipeline-repo.js';
import { ClaimBatcher } from './claim-batcher.js';

const cells = 12;
const pipeline = fanOutPipeline(cells);

describe('claims made at once', { timeout: 60_000 }, () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await openTestApp({ pipeline });
  }, 60_000);
  afterAll(async () => {
    await testApp?.close();
  });

  async function queuedJobs(): Promise<{ id: string; attempt: number }[]> {
    const run = await findRunDetail(testApp.database.db, await triggerTestRun(testApp));
    const jobs = run?.stages[0]?.jobs ?? [];
    expect(jobs).toHaveLength(cells);
    return jobs.map((job) => ({ id: job.id, attempt: job.attempt }));
  }

  function batcher() {
    const statements: number[] = [];
    const claims = new ClaimBatcher(testApp.database.db, { onStatement: (count) => statements.push(count) });
    return { claims, statements };
  }

  it('grants each attempt once when two agents claim every job of a stage at the same time', async () => {
    const jobs = await queuedJobs();
    const first = await enrolTestAgent(testApp.database.db, { name: 'first' });
    const second = await enrolTestAgent(testApp.database.db, { name: 'second' });
    const { claims, statements } = batcher();
    const claimAll = (agent: { agentId: string; credential: string }) =>
      jobs.map((job) =>
        claims.claim({
          jobId: job.id,
          attempt: job.attempt,
          agentId: agent.agentId,
          leaseTtlMs: 30_000,
          caller: { credentialHash: hashAgentSecret(agent.credential) },
        }),
      );
    const [firsts, seconds] = await Promise.all([Promise.all(claimAll(first)), Promise.all(claimAll(second))]);

    // Fewer statements than claims: all 24 were asked for in one tick.
    expect(statements.reduce((sum, count) => sum + count, 0)).toBe(2 * cells);
    expect(statements.length).toBeLessThan(2 * cells);
    for (let index = 0; index < cells; index++) {
      const outcomes = [firsts[index], seconds[index]] as ClaimOutcome[];
      expect(outcomes.filter((outcome) => outcome.granted)).toHaveLength(1);
      // A refused claim presenting a credential reads not_the_caller (see claimJob), whatever the reason.
      expect(outcomes.find((outcome) => !outcome.granted)).toEqual({ granted: false, reason: 'not_the_caller' });
    }
    const attempts = await queryRows<{ job_id: string; agent_id: string; lease_token: string }>(
      testApp.database.db,
      sql`select ja.job_id, ja.agent_id, ja.lease_token from job_attempts ja
          where ja.job_id in (${sql.join(
            jobs.map((job) => sql`${job.id}`),
            sql`, `,
          )})`,
    );
    expect(attempts).toHaveLength(cells);
    for (const attempt of attempts) {
      const index = jobs.findIndex((job) => job.id === attempt.job_id);
      const winner = [firsts[index], seconds[index]].find((outcome) => outcome?.granted);
      expect(winner).toMatchObject({ granted: true, leaseToken: attempt.lease_token });
      expect(winner?.granted && winner.job.id).toBe(attempt.job_id);
    }
  });

  it("gives each claim of a batch its own answer: taken, draining, unknown, a stale attempt, a retry's grant", async () => {
    const jobs = await queuedJobs();
    const [taken, free, retried] = jobs as [(typeof jobs)[number], (typeof jobs)[number], (typeof jobs)[number]];
    const agent = (await enrolTestAgent(testApp.database.db, { name: 'agent' })).agentId;
    const drained = (await enrolTestAgent(testApp.database.db, { name: 'drained' })).agentId;
    await testApp.database.db.execute(sql`update agents set drain_requested = true where id = ${drained}`);
    const claimId = randomUUID();
    const input = (job: { id: string; attempt: number }, extra: Partial<ClaimInput> = {}): ClaimInput => ({
      jobId: job.id,
      attempt: job.attempt,
      agentId: agent,
      leaseTtlMs: 30_000,
      ...extra,
    });
    const before = batcher();
    expect(await before.claims.claim(input(taken))).toMatchObject({ granted: true });
    expect(await before.claims.claim(input(retried, { claimId }))).toMatchObject({
      granted: true,
      leaseToken: claimId,
    });

    const { claims, statements } = batcher();
    const outcomes = await Promise.all([
      claims.claim(input(taken)),
      claims.claim(input(free, { agentId: drained })),
      claims.claim(input({ id: 'no-such-job', attempt: 1 })),
      claims.claim(input(free, { attempt: free.attempt + 1 })),
      claims.claim(input(retried, { claimId })),
      claims.claim(input(free)),
    ]);
    expect(statements).toEqual([6]);
    expect(outcomes.slice(0, 4)).toEqual([
      { granted: false, reason: 'taken' },
      { granted: false, reason: 'draining' },
      { granted: false, reason: 'unknown_job' },
      { granted: false, reason: 'stale_attempt' },
    ]);
    expect(outcomes[4]).toMatchObject({ granted: true, leaseToken: claimId, repeated: true, job: { id: retried.id } });
    expect(outcomes[5]).toMatchObject({ granted: true, job: { id: free.id, attempt: free.attempt } });
  });

  it('fails only the claim whose values the statement cannot take, not the others it shared a batch with', async () => {
    const [job] = await queuedJobs();
    if (!job) throw new Error('no job');
    const agent = (await enrolTestAgent(testApp.database.db, { name: 'odd' })).agentId;
    const { claims, statements } = batcher();
    const [odd, good] = await Promise.allSettled([
      claims.claim({ jobId: job.id, attempt: 2 ** 32, agentId: agent, leaseTtlMs: 30_000 }),
      claims.claim({ jobId: job.id, attempt: job.attempt, agentId: agent, leaseTtlMs: 30_000 }),
    ]);
    expect(statements).toEqual([2]);
    expect(odd.status === 'rejected' && sqlStateOf(odd.reason)).toBe('22003'); // numeric_value_out_of_range
    expect(good).toMatchObject({ status: 'fulfilled', value: { granted: true, job: { id: job.id } } });
  });

  it('sends a lone claim at once; claims that come while two statements are out wait, then leave together', async () => {
    const jobs = await queuedJobs();
    const agent = (await enrolTestAgent(testApp.database.db, { name: 'lone' })).agentId;
    const { claims, statements } = batcher();
    const claim = (job: { id: string; attempt: number }) =>
      claims.claim({ jobId: job.id, attempt: job.attempt, agentId: agent, leaseTtlMs: 30_000 });
    const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));
    // An open transaction holds the embedded database: every statement sent meanwhile stays out.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding = () => {};
    const holds = new Promise<void>((resolve) => {
      holding = resolve;
    });
    const transaction = testApp.database.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      holding();
      await held;
    });
    await holds;
    const lone = claim(jobs[0] as (typeof jobs)[number]);
    await nextTick();
    const together = jobs.slice(1, 6).map(claim);
    await nextTick();
    const waiting = jobs.slice(6, 9).map(claim);
    await nextTick();
    const later = jobs.slice(9).map(claim);
    await nextTick();
    expect(statements).toEqual([1, 5]);
    release();
    await transaction;
    const outcomes = await Promise.all([lone, ...together, ...waiting, ...later]);
    expect(outcomes.every((outcome) => outcome.granted)).toBe(true);
    expect(statements).toEqual([1, 5, cells - 6]);
  });
});
