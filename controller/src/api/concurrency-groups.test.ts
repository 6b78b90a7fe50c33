/**
 * Concurrency groups and superseded gates through the HTTP API, with the real
 * scheduler over PGlite; an "agent" here is the job lifecycle called directly
 * (test/e2e/concurrency.test.ts runs the same with real agents).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp, testAdminToken } from '../testing/api-test-app.js';

const deployPipeline = `name: deploys
stages:
  - name: deploy
    concurrency: production
    jobs:
      - { name: ship, steps: [make] }
  - name: smoke
    jobs:
      - { name: check, steps: [make] }
`;

const gatedPipeline = `name: deploys
stages:
  - name: release
    approval: { allow_self_approval: true }
    supersede: true
    jobs:
      - { name: ship, steps: [make] }
`;

const builtPipeline = `name: deploys
stages:
  - name: build
    jobs:
      - { name: ship, steps: [make] }
  - name: release
    approval: { allow_self_approval: true }
    supersede: true
    jobs:
      - { name: ship, steps: [make] }
`;

const twoStagesPipeline = `name: migrations
stages:
  - name: migrate
    concurrency: database
    jobs:
      - { name: migrate, steps: [make] }
  - name: verify
    concurrency: database
    jobs:
      - { name: verify, steps: [make] }
`;

interface StageAnswer {
  name: string;
  status: string;
  concurrency: { group: string; waitingFor: { runId: string; stage: string } | null } | null;
  jobs: { id: string; name: string; attempt: number; status: string }[];
}
interface RunAnswer {
  id: string;
  status: string;
  error: string | null;
  stages: StageAnswer[];
}

describe('concurrency groups and supersede', () => {
  let testApp: TestApp;
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await testApp.app.request(path, {
      method,
      headers: { authorization: `Bearer ${testAdminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const runOf = async (runId: string) => (await call('GET', `/api/runs/${runId}`)).body as unknown as RunAnswer;
  const deployOf = async (runId: string) => (await runOf(runId)).stages[0] as StageAnswer;
  const trigger = async (ref = 'main') => {
    const answer = await call('POST', '/api/runs', { repo: testApp.repo, ref });
    expect(answer.status).toBe(201);
    await testApp.scheduler.settle();
    return answer.body.id as string;
  };
  /** Runs the deploy job of `runId` as an agent would, ending it `status`. */
  const runDeployJob = async (runId: string, status: 'succeeded' | 'failed') => {
    const job = (await deployOf(runId)).jobs[0];
    if (!job) throw new Error('no deploy job');
    const claim = await testApp.lifecycle.claim('agent-1', job.id, job.attempt);
    if (!claim.granted) throw new Error(`claim refused: ${claim.reason}`);
    const lease = { jobId: job.id, attempt: job.attempt, leaseToken: claim.leaseToken };
    await testApp.lifecycle.finish(lease, { status, exitCode: status === 'succeeded' ? 0 : 1, message: null });
    await testApp.scheduler.settle();
  };

  beforeAll(async () => {
    testApp = await openTestApp({ pipeline: deployPipeline });
    const git = (...args: string[]) => execFileSync('git', ['-C', testApp.repo, ...args]);
    git('checkout', '-q', '-b', 'gated', 'main');
    writeFileSync(join(testApp.repo, '.gantry.yml'), gatedPipeline);
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qam', 'gated');
    git('checkout', '-q', '-b', 'two-stages', 'main');
    writeFileSync(join(testApp.repo, '.gantry.yml'), twoStagesPipeline);
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qam', 'two stages');
    git('checkout', '-q', '-b', 'built', 'main');
    writeFileSync(join(testApp.repo, '.gantry.yml'), builtPipeline);
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qam', 'built');
    git('checkout', '-q', 'main');
  }, 60_000);
  afterAll(async () => {
    await testApp?.close();
  });

  it('runs one deploy at a time, oldest first; failure, cancel and retry each hand the group on', {
    timeout: 60_000,
  }, async () => {
    const first = await trigger();
    const second = await trigger();
    const third = await trigger();
    expect(await deployOf(first)).toMatchObject({
      status: 'running',
      concurrency: { group: 'production', waitingFor: null },
    });
    for (const waiting of [second, third]) {
      expect((await runOf(waiting)).status).toBe('waiting_for_concurrency');
      expect(await deployOf(waiting)).toMatchObject({
        status: 'waiting_for_concurrency',
        concurrency: { group: 'production', waitingFor: { runId: first, stage: 'deploy' } },
        jobs: [{ status: 'pending' }],
      });
    }

    // A failed deploy frees the group: the older waiter goes next, the newer one still waits.
    await runDeployJob(first, 'failed');
    expect((await runOf(first)).status).toBe('failed');
    expect(await deployOf(second)).toMatchObject({ status: 'running', jobs: [{ status: 'queued' }] });
    expect((await deployOf(third)).concurrency?.waitingFor).toEqual({ runId: second, stage: 'deploy' });

    // Retrying the failed deploy puts it back in line: it waits for the group like any other.
    expect((await call('POST', `/api/runs/${first}/jobs/${(await deployOf(first)).jobs[0]?.id}/retry`)).status).toBe(
      200,
    );
    expect(await deployOf(first)).toMatchObject({
      status: 'waiting_for_concurrency',
      concurrency: { waitingFor: { runId: second } },
    });

    // Canceling the holder (its job not yet claimed) frees the group at once; the oldest waiter is the retried run.
    expect((await call('POST', `/api/runs/${second}/cancel`)).status).toBe(200);
    await testApp.scheduler.settle();
    expect((await runOf(second)).status).toBe('canceled');
    expect((await deployOf(first)).status).toBe('running');
    expect((await deployOf(third)).concurrency?.waitingFor).toEqual({ runId: first, stage: 'deploy' });

    // Canceling a waiter leaves the holder alone.
    const fourth = await trigger();
    expect((await call('POST', `/api/runs/${fourth}/cancel`)).status).toBe(200);
    expect((await runOf(fourth)).status).toBe('canceled');
    expect((await deployOf(first)).status).toBe('running');

    await runDeployJob(first, 'succeeded');
    expect((await runOf(first)).stages.map((stage) => stage.status)).toEqual(['succeeded', 'running']);
    await runDeployJob(third, 'succeeded');
    expect((await deployOf(third)).status).toBe('succeeded');

    const audit = await call('GET', `/api/audit?runId=${second}&action=cancel`);
    expect(audit.body.events).toEqual([expect.objectContaining({ actor: 'admin', details: { stoppingJobs: 0 } })]);
  });

  it('ends older runs waiting at a supersede gate when a newer run reaches it, audited', {
    timeout: 30_000,
  }, async () => {
    const older = await trigger('gated');
    const newer = await trigger('gated');
    expect(await runOf(older)).toMatchObject({
      status: 'superseded',
      error: `superseded by run ${newer}`,
      stages: [{ name: 'release', status: 'superseded' }],
    });
    expect((await runOf(newer)).status).toBe('awaiting_approval');
    const late = await call('POST', `/api/runs/${older}/stages/release/approve`, {});
    expect(late.status).toBe(409);
    expect((late.body.error as { message: string }).message).toBe(
      'stage "release" is superseded, not awaiting_approval',
    );
    const audit = await call('GET', `/api/audit?runId=${older}&action=supersede`);
    expect(audit.body.events).toEqual([
      expect.objectContaining({ actor: 'gantry', details: { stage: 'release', by: newer } }),
    ]);

    // An approved run is past the gate: a newer run does not supersede it.
    expect((await call('POST', `/api/runs/${newer}/stages/release/approve`, {})).status).toBe(200);
    const newest = await trigger('gated');
    expect((await runOf(newer)).status).toBe('running');
    expect((await runOf(newest)).status).toBe('awaiting_approval');
  });

  it('supersedes a run that reaches the gate after a newer run already waits there', { timeout: 30_000 }, async () => {
    const older = await trigger('built');
    const newer = await trigger('built');
    // The newer run's build finishes first: it reaches the gate alone.
    await runDeployJob(newer, 'succeeded');
    expect((await runOf(newer)).status).toBe('awaiting_approval');
    await runDeployJob(older, 'succeeded');
    expect(await runOf(older)).toMatchObject({
      status: 'superseded',
      error: `superseded by run ${newer}`,
      stages: [{ status: 'succeeded' }, { status: 'superseded' }],
    });
    expect((await runOf(newer)).status).toBe('awaiting_approval');
  });

  it('hands the group from one stage of a run on to its next stage of the same group', async () => {
    const runId = await trigger('two-stages');
    await runDeployJob(runId, 'succeeded');
    const run = await runOf(runId);
    expect(run.stages.map((stage) => stage.status)).toEqual(['succeeded', 'running']);
    expect(run.stages[1]?.jobs[0]?.status).toBe('queued');
  });

  it('keeps the trigger order of waiters created in the same instant (PGlite counts whole milliseconds)', {
    timeout: 60_000,
  }, async () => {
    const holder = await trigger();
    // Waiters until their ids are out of trigger order: ordering ties by id would start them out of order.
    const inIdOrder = (ids: string[]) => ids.every((id, index) => index === 0 || (ids[index - 1] as string) < id);
    const waiters = [await trigger()];
    while (inIdOrder(waiters)) waiters.push(await trigger());
    await testApp.database.db.execute(
      sql`update runs set created_at = '2026-01-01T00:00:00Z' where id in (${sql.join(waiters, sql`, `)})`,
    );
    // A failed deploy ends its run and hands the group on.
    let finishing = holder;
    for (const next of waiters) {
      await runDeployJob(finishing, 'failed');
      expect((await deployOf(next)).status).toBe('running');
      finishing = next;
    }
    await runDeployJob(finishing, 'failed');
  });
});
