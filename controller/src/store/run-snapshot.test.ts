/**
 * Where the run's state machine is handed a snapshot instead of reading it,
 * the snapshot is exactly what readRunSnapshot reads:
 * - sendPlan's snapshot and run, once its writes are applied, for a plan
 *   with every kind of stage: plain, skipped by its `if`, gated, gated by a
 *   protected environment that refuses the ref, in a concurrency group;
 * - the stages a finish reads in its own statement, when it leaves no other
 *   job of its stage unfinished (none when it does).
 * And queueJobs returns the offers as the outbox holds them (the relay
 * publishes them without reading them back).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePipeline } from '../pipeline/index.js';
import { withProtections } from '../scheduler/protected-environments.js';
import { withStageConditions } from '../scheduler/stage-conditions.js';
import { openTestDatabase } from '../testing/test-database.js';
import { type OpenDatabase, queryRows } from './database.js';
import { findProtections, putProtection } from './environments-repository.js';
import { queueJobs } from './jobs-repository.js';
import { claimJob, finishAttempt } from './leases-repository.js';
import { takeUnpublished } from './outbox-repository.js';
import { readRunSnapshot, toRunSnapshot } from './run-snapshot.js';
import { createRun, lockRun, sendPlan } from './runs-repository.js';

const pipelineText = `name: every-kind
stages:
  - { name: build, jobs: [{ name: compile, steps: [make] }, { name: lint, steps: [make lint] }] }
  - { name: publish, if: { tag: "v*" }, jobs: [{ name: push, steps: [make push] }] }
  - name: staging
    environment: staging
    concurrency: staging
    jobs: [{ name: deploy, steps: [make deploy] }]
  - name: production
    environment: production
    approval: { approvers: [role:release], required: 2 }
    jobs: [{ name: deploy, matrix: { region: [eu, us] }, steps: [make deploy] }]
`;

describe('snapshots handed to the state machine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-sent-plan-'));
  let database: OpenDatabase;

  beforeAll(async () => {
    database = await openTestDatabase(join(dir, 'pglite'));
    // Production may be released from release branches only: a run on main is refused at the gate.
    await putProtection(database.db, {
      name: 'production',
      approvers: ['role:release'],
      required: 1,
      branches: ['release/*'],
      updatedBy: 'test',
    });
  }, 60_000);

  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns the snapshot and the run the database reads back after its writes', async () => {
    const parsed = parsePipeline(pipelineText);
    if (!parsed.ok) throw new Error(`fixture does not parse: ${JSON.stringify(parsed.problems)}`);
    const input = { repo: '/srv/repo', ref: 'main', sha: 'a'.repeat(40), triggeredBy: 'test', idempotencyKey: null };
    const { run } = await createRun(database.db, input);
    const commit = {
      sha: 'a'.repeat(40),
      authorEmail: 'dev@example.com',
      committerEmail: 'ci@example.com',
      authorName: 'Dev',
      subject: 'the change',
    };

    await database.db.transaction(async (tx) => {
      const locked = await lockRun(tx, run.id);
      if (!locked) throw new Error('run vanished');
      const protections = await findProtections(tx, ['staging', 'production']);
      const planned = withStageConditions(withProtections(parsed.pipeline, protections, locked.ref), locked);
      const sent = sendPlan(tx, locked, commit, planned);
      await sent.written;

      expect(await lockRun(tx, run.id)).toEqual(sent.run);
      expect(await readRunSnapshot(tx, sent.run)).toEqual(sent.snapshot);
      // The fixture exercises what it claims to: a skipped stage, two gates (one refusing), a group, a matrix.
      expect(sent.snapshot.stages.map((stage) => stage.status)).toEqual(['pending', 'skipped', 'pending', 'pending']);
      expect(sent.snapshot.stages[2]?.concurrency).toEqual({ group: 'staging', held: false });
      expect(sent.snapshot.stages[3]).toMatchObject({ approvalsRequired: 2, environment: 'production' });
      expect(sent.snapshot.stages[3]?.refusal).toMatch(/main/);
      expect(sent.snapshot.stages[3]?.jobs).toHaveLength(2);

      // Queueing the first stage writes one offer per job, and returns them as the outbox holds them.
      const jobIds = sent.snapshot.stages[0]?.jobs.map((job) => job.id) ?? [];
      const offers = await queueJobs(tx, jobIds);
      expect(offers).toEqual(await takeUnpublished(tx, 100));
      expect(offers.map(({ subject, msgId, payload }) => ({ subject, msgId, payload }))).toEqual(
        expect.arrayContaining(
          jobIds.map((jobId) => ({
            subject: 'gantry.jobs.default',
            msgId: `${jobId}.1`,
            payload: { jobId, attempt: 1, runId: run.id },
          })),
        ),
      );
      expect(offers).toHaveLength(2);
      const queued = await queryRows<{ status: string; attempt: number }>(
        tx,
        sql`select status, attempt from jobs where id in (${jobIds[0]}, ${jobIds[1]})`,
      );
      expect(queued).toEqual([
        { status: 'queued', attempt: 1 },
        { status: 'queued', attempt: 1 },
      ]);
    });
  });

  it('a finish that leaves its stage done reads the run’s stages as they are after it', async () => {
    const parsed = parsePipeline(pipelineText);
    if (!parsed.ok) throw new Error('fixture does not parse');
    const input = { repo: '/srv/repo', ref: 'main', sha: 'b'.repeat(40), triggeredBy: 'test', idempotencyKey: null };
    const { run } = await createRun(database.db, input);
    const commit = { sha: input.sha, authorEmail: null, committerEmail: null, authorName: null, subject: null };
    const offers = await database.db.transaction(async (tx) => {
      const locked = await lockRun(tx, run.id);
      if (!locked) throw new Error('run vanished');
      const sent = sendPlan(tx, locked, commit, withStageConditions(parsed.pipeline, locked));
      await sent.written;
      return queueJobs(tx, sent.snapshot.stages[0]?.jobs.map((job) => job.id) ?? []);
    });
    const leases = [];
    for (const offer of offers) {
      const { jobId, attempt } = offer.payload as { jobId: string; attempt: number };
      const claim = await claimJob(database.db, { jobId, attempt, agentId: 'agent-1', leaseTtlMs: 30_000 });
      if (!claim.granted) throw new Error(`claim of ${jobId} refused: ${claim.reason}`);
      leases.push({ jobId, attempt, leaseToken: claim.leaseToken });
    }
    const [first, last] = leases;
    if (!first || !last) throw new Error('the build stage has two jobs');

    const finishes = await database.db.transaction(async (tx) => {
      const locked = await lockRun(tx, run.id);
      if (!locked) throw new Error('run vanished');
      const sibling = await finishAttempt(tx, first, { status: 'succeeded', exitCode: 0, message: null });
      const stageDone = await finishAttempt(tx, last, { status: 'failed', exitCode: 2, message: 'step 1 failed' });
      const readAfter = await readRunSnapshot(tx, locked);
      return { sibling, stageDone, readAfter, locked };
    });
    expect(finishes.sibling?.runStages).toBeNull();
    const stages = finishes.stageDone?.runStages;
    if (!stages) throw new Error('the finish that ended the stage read no stages');
    expect(toRunSnapshot(finishes.locked, stages)).toEqual(finishes.readAfter);
    expect(finishes.readAfter.stages[0]?.jobs.map((job) => job.status).sort()).toEqual(['failed', 'succeeded']);
  });
});
