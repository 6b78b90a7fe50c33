/**
 * The same schema, migrations and queries on embedded PGlite (the default
 * database of `gantry up`): a run is planned from a real git repository,
 * claimed, finished, gated and approved, all through the scheduler.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaleLeaseError } from '../domain/errors.js';
import { decideStage } from '../scheduler/approvals.js';
import { JobLifecycle } from '../scheduler/job-lifecycle.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { createGitSource } from '../source/git-source.js';
import { localRepositories } from '../source/repository-allow-list.js';
import { openTestDatabase } from '../testing/test-database.js';
import type { OpenDatabase } from './database.js';
import { readLog } from './logs-repository.js';
import { takeUnpublished } from './outbox-repository.js';
import { createRun, findRunDetail } from './runs-repository.js';
import { jobAttempts, jobs, stepReports } from './schema.js';

const pipeline = `name: pglite
stages:
  - name: build
    jobs:
      - { name: compile, steps: [make] }
  - name: production
    approval: { required: 1 }
    jobs:
      - { name: deploy, steps: [./deploy.sh] }
`;

describe('the store on PGlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-pglite-'));
  let database: OpenDatabase;
  let scheduler: Scheduler;
  let lifecycle: JobLifecycle;
  let repo: string;
  let sha: string;

  beforeAll(async () => {
    repo = join(dir, 'repo');
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    writeFileSync(join(repo, '.gantry.yml'), pipeline);
    execFileSync('git', ['-C', repo, 'add', '.']);
    execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'init']);
    sha = execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    database = await openTestDatabase(join(dir, 'pglite'));
    scheduler = new Scheduler({
      db: database.db,
      source: createGitSource({ allow: localRepositories, cacheDir: join(dir, 'repos') }),
      log: pino({ level: 'silent' }),
      offersCommitted: () => {},
      runChanged: () => {},
    });
    lifecycle = new JobLifecycle({ db: database.db, scheduler, leaseTtlMs: 30_000 });
  }, 60_000);

  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('migrates, plans, claims, finishes, gates and approves', async () => {
    expect(database.kind).toBe('pglite');
    const { run } = await createRun(database.db, {
      repo,
      ref: 'main',
      sha,
      triggeredBy: 'test',
      idempotencyKey: null,
    });
    await scheduler.planRun(run.id);

    const offers = await database.db.transaction((tx) => takeUnpublished(tx, 10));
    expect(offers).toHaveLength(1);
    const offer = offers[0]!.payload as { jobId: string; attempt: number };
    const claim = await lifecycle.claim('agent-1', offer.jobId, offer.attempt);
    expect(claim.granted).toBe(true);
    if (!claim.granted) return;
    expect(claim.job).toMatchObject({ name: 'compile', stageName: 'build', ref: 'main', attempt: 1 });
    expect(claim.job.spec.steps).toEqual(['make']);
    expect((await lifecycle.claim('agent-2', offer.jobId, offer.attempt)).granted).toBe(false);

    const lease = { jobId: offer.jobId, attempt: offer.attempt, leaseToken: claim.leaseToken };
    await lifecycle.appendLogs(lease, [{ seq: 0, byteOffset: 0, stepIndex: 0, data: Buffer.from('built\n') }]);
    const at = Date.now();
    await lifecycle.reportSteps(lease, [
      { stepIndex: 0, state: 'running', exitCode: 0, startedAtMs: at, finishedAtMs: 0 },
    ]);
    // The last report may travel with the finish: recorded with it, its start kept from the earlier report.
    const lastStep = { stepIndex: 0, state: 'succeeded', exitCode: 0, startedAtMs: 0, finishedAtMs: at + 5 };
    const tooMany = Array.from({ length: 1001 }, () => lastStep);
    await expect(
      lifecycle.finish(lease, { status: 'succeeded', exitCode: 0, message: null }, { steps: tooMany }),
    ).rejects.toThrow('a step report carries at most 1000 steps, got 1001');
    // So may the end of the log.
    const lastChunk = { seq: 1, byteOffset: 6, stepIndex: 0, data: Buffer.from('done\n') };
    await lifecycle.finish(
      lease,
      { status: 'succeeded', exitCode: 0, message: null },
      { steps: [lastStep], logs: [lastChunk] },
    );
    // A repeated finish is accepted and changes nothing, its steps and log included.
    const repeated = [{ ...lastStep, state: 'failed', exitCode: 1 }];
    const otherChunks = [
      { ...lastChunk, data: Buffer.from('else\n') },
      { ...lastChunk, seq: 2, byteOffset: 11 },
    ];
    await lifecycle.finish(
      lease,
      { status: 'succeeded', exitCode: 0, message: null },
      { steps: repeated, logs: otherChunks },
    );
    expect(await database.db.select().from(stepReports)).toEqual([
      {
        jobId: offer.jobId,
        attempt: 1,
        stepIndex: 0,
        status: 'succeeded',
        exitCode: 0,
        startedAt: new Date(at),
        finishedAt: new Date(at + 5),
      },
    ]);
    expect((await readLog(database.db, offer.jobId)).toString()).toBe('built\ndone\n');

    // The attempt is over: anything more under its lease is fenced off.
    const late = [{ seq: 2, byteOffset: 11, stepIndex: 0, data: Buffer.from('late\n') }];
    await expect(lifecycle.appendLogs(lease, late)).rejects.toBeInstanceOf(StaleLeaseError);
    await expect(
      lifecycle.reportSteps(lease, [{ stepIndex: 0, state: 'failed', exitCode: 1, startedAtMs: 0, finishedAtMs: 1 }]),
    ).rejects.toBeInstanceOf(StaleLeaseError);
    await expect(lifecycle.heartbeat(lease)).rejects.toBeInstanceOf(StaleLeaseError);
    await expect(
      lifecycle.finish(
        { ...lease, leaseToken: 'forged' },
        { status: 'failed', exitCode: 1, message: null },
        { logs: late },
      ),
    ).rejects.toBeInstanceOf(StaleLeaseError);
    expect((await readLog(database.db, offer.jobId)).toString()).toBe('built\ndone\n');

    const gated = await findRunDetail(database.db, run.id);
    expect(gated?.status).toBe('awaiting_approval');
    expect([gated?.authorEmail, gated?.committerEmail]).toEqual(['t@t', 't@t']);
    expect(gated?.stages.map((stage) => stage.status)).toEqual(['succeeded', 'awaiting_approval']);

    await decideStage(database.db, scheduler, {
      runId: run.id,
      stageName: 'production',
      principal: { name: 'release', roles: ['approve'], email: null },
      comment: 'go',
      decision: 'approved',
    });
    const released = await findRunDetail(database.db, run.id);
    expect(released?.status).toBe('running');
    expect(released?.stages[1]?.jobs[0]?.status).toBe('queued');
    expect(released?.stages[1]?.approvals.map((approval) => approval.approver)).toEqual(['release']);
  }, 60_000);

  it('ends every step still running with the attempt’s result, those its finish carries included', async () => {
    writeFileSync(join(repo, '.gantry.yml'), pipeline.replace('steps: [make]', 'steps: [make, make check]'));
    execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qam', 'two steps']);
    const twoSteps = execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const { run } = await createRun(database.db, {
      repo,
      ref: 'main',
      sha: twoSteps,
      triggeredBy: 'test',
      idempotencyKey: null,
    });
    await scheduler.planRun(run.id);
    const offers = await database.db.transaction((tx) => takeUnpublished(tx, 10));
    const offer = offers.map((row) => row.payload as { jobId: string; attempt: number; runId: string });
    const compile = offer.find((payload) => payload.runId === run.id);
    if (!compile) throw new Error('no offer for the new run');
    const claim = await lifecycle.claim('agent-1', compile.jobId, compile.attempt);
    if (!claim.granted) throw new Error('claim refused');
    const lease = { jobId: compile.jobId, attempt: compile.attempt, leaseToken: claim.leaseToken };
    const at = Date.now();
    await lifecycle.reportSteps(lease, [
      { stepIndex: 0, state: 'running', exitCode: 0, startedAtMs: at, finishedAtMs: 0 },
    ]);
    // The timeout stopped the job just as its second step started; that start travels with the finish.
    await lifecycle.finish(
      lease,
      { status: 'timed_out', exitCode: null, message: 'timed out after 1s' },
      { steps: [{ stepIndex: 1, state: 'running', exitCode: 0, startedAtMs: at + 5, finishedAtMs: 0 }] },
    );
    const steps = await database.db.select().from(stepReports).where(eq(stepReports.jobId, compile.jobId));
    expect(steps.map(({ stepIndex, status, startedAt }) => ({ stepIndex, status, startedAt }))).toEqual([
      { stepIndex: 0, status: 'timed_out', startedAt: new Date(at) },
      { stepIndex: 1, status: 'timed_out', startedAt: new Date(at + 5) },
    ]);
    expect(steps.every((step) => step.finishedAt instanceof Date)).toBe(true);
  }, 60_000);

  /** Plans a new run of the first commit; the offer of its compile job. */
  async function offeredCompile() {
    const { run } = await createRun(database.db, { repo, ref: 'main', sha, triggeredBy: 'test', idempotencyKey: null });
    await scheduler.planRun(run.id);
    const offers = await database.db.transaction((tx) => takeUnpublished(tx, 10));
    const compile = offers
      .map((row) => row.payload as { jobId: string; attempt: number; runId: string })
      .find((payload) => payload.runId === run.id);
    if (!compile) throw new Error('no offer for the new run');
    return compile;
  }

  /** Plans a new run of the first commit and claims its compile job as agent-1. */
  async function claimedCompile() {
    const compile = await offeredCompile();
    const claim = await lifecycle.claim('agent-1', compile.jobId, compile.attempt);
    if (!claim.granted) throw new Error('claim refused');
    return {
      runId: compile.runId,
      lease: { jobId: compile.jobId, attempt: compile.attempt, leaseToken: claim.leaseToken },
    };
  }

  it('grants a claim again to the agent that repeats its claim id, and to nobody else', async () => {
    const { jobId, attempt } = await offeredCompile();
    const claimId = randomUUID();
    const first = await lifecycle.claim('agent-1', jobId, attempt, { claimId });
    expect(first).toMatchObject({ granted: true, leaseToken: claimId });
    const leaseExpiry = async () =>
      (await database.db.select({ at: jobs.leaseExpiresAt }).from(jobs).where(eq(jobs.id, jobId)))[0]?.at?.getTime();
    const grantedUntil = await leaseExpiry();
    // The agent never got the answer and asks again: the same grant, its lease renewed, nothing else changed.
    const again = await lifecycle.claim('agent-1', jobId, attempt, { claimId });
    if (!first.granted) throw new Error('claim refused');
    expect(again).toEqual({ ...first, job: { ...first.job, queuedSeconds: expect.any(Number) }, repeated: true });
    expect(await leaseExpiry()).toBeGreaterThanOrEqual(grantedUntil ?? Number.POSITIVE_INFINITY);
    // A redelivered offer's claim (another id), another agent with the id, and the claim after the attempt ended.
    expect(await lifecycle.claim('agent-1', jobId, attempt, { claimId: randomUUID() })).toEqual({
      granted: false,
      reason: 'taken',
    });
    expect(await lifecycle.claim('agent-2', jobId, attempt, { claimId })).toEqual({ granted: false, reason: 'taken' });
    await lifecycle.finish(
      { jobId, attempt, leaseToken: claimId },
      { status: 'succeeded', exitCode: 0, message: null },
    );
    expect(await lifecycle.claim('agent-1', jobId, attempt, { claimId })).toEqual({ granted: false, reason: 'taken' });
    const attempts = await database.db.select().from(jobAttempts).where(eq(jobAttempts.jobId, jobId));
    expect(attempts.map((row) => [row.attempt, row.status])).toEqual([[1, 'succeeded']]);
  }, 60_000);

  it('refuses the finish of an attempt the controller ended as lost', async () => {
    const { runId, lease } = await claimedCompile();
    expect(await lifecycle.endLostAttempt({ ...lease, runId, agentId: 'agent-1' }, 'agent gone')).toBe(true);
    // The agent was only cut off: its finish comes late, and must not be taken for one already applied.
    await expect(lifecycle.finish(lease, { status: 'succeeded', exitCode: 0, message: null })).rejects.toBeInstanceOf(
      StaleLeaseError,
    );
  }, 60_000);

  it('keeps a step ended when a report of its start arrives late', async () => {
    const { lease } = await claimedCompile();
    const at = Date.now();
    const started = { stepIndex: 0, state: 'running', exitCode: 0, startedAtMs: at, finishedAtMs: 0 };
    await lifecycle.reportSteps(lease, [{ ...started, state: 'succeeded', finishedAtMs: at + 5 }]);
    // A retried call of the start, answered by another replica after the end was stored.
    await lifecycle.reportSteps(lease, [started]);
    await lifecycle.finish(lease, { status: 'failed', exitCode: 1, message: 'the artifacts could not be kept' });
    const steps = await database.db.select().from(stepReports).where(eq(stepReports.jobId, lease.jobId));
    expect(steps.map(({ status, exitCode, finishedAt }) => ({ status, exitCode, finishedAt }))).toEqual([
      { status: 'succeeded', exitCode: 0, finishedAt: new Date(at + 5) },
    ]);
  }, 60_000);
});
