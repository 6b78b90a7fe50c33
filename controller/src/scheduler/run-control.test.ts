/**
 * Cancel, retry and drain write their audit event in the transaction of the
 * change: when the event cannot be written, the change is not made either.
 * A drain request also reaches a busy agent through its heartbeats.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashAgentSecret } from '../domain/agent-secrets.js';
import { findRun, findRunDetail } from '../store/runs-repository.js';
import { openTestApp, type TestApp, testAdminToken } from '../testing/api-test-app.js';
import { enrolTestAgent } from '../testing/enrolled-agent.js';

const pipeline = 'name: p\nstages:\n  - name: build\n    jobs:\n      - { name: compile, steps: [make] }\n';
const refuse = async () => {
  throw new Error('the audit trail refused the event');
};

const asAdmin = { authorization: `Bearer ${testAdminToken}`, 'content-type': 'application/json' };

/** Triggers a run of the app's repository as the admin, and lets the scheduler plan it. */
async function triggerRun(testApp: TestApp): Promise<string> {
  const response = await testApp.app.request('/api/runs', {
    method: 'POST',
    headers: asAdmin,
    body: JSON.stringify({ repo: testApp.repo, ref: 'main' }),
  });
  await testApp.scheduler.settle();
  return ((await response.json()) as { id: string }).id;
}

/** Claims the run's first job (queued) and ends it with `status`. */
async function finishFirstJob(testApp: TestApp, runId: string, status: 'succeeded' | 'failed'): Promise<void> {
  await testApp.scheduler.settle();
  const job = (await findRunDetail(testApp.database.db, runId))?.stages[0]?.jobs[0];
  if (!job) throw new Error('no first job');
  const claim = await testApp.lifecycle.claim('agent-1', job.id, job.attempt);
  if (!claim.granted) throw new Error(`claim refused: ${claim.reason}`);
  const lease = { jobId: job.id, attempt: job.attempt, leaseToken: claim.leaseToken };
  await testApp.lifecycle.finish(lease, { status, exitCode: status === 'succeeded' ? 0 : 1, message: null });
  await testApp.scheduler.settle();
}

describe('run control and its audit events', { timeout: 60_000 }, () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await openTestApp({ pipeline });
  }, 60_000);
  afterAll(async () => {
    await testApp?.close();
  });

  const trigger = () => triggerRun(testApp);
  const control = () => testApp.deps.runControl;

  it('leaves the run running when the cancel event cannot be written', async () => {
    const runId = await trigger();
    await expect(control().cancelRun(runId, refuse)).rejects.toThrow('the audit trail refused the event');
    expect(await findRun(testApp.database.db, runId)).toMatchObject({ status: 'running', cancelRequested: false });
    await control().cancelRun(runId, async () => {});
    expect((await findRun(testApp.database.db, runId))?.status).toBe('canceled');
  });

  it('leaves the job finished when the retry event cannot be written', async () => {
    const runId = await trigger();
    await control().cancelRun(runId);
    const job = (await findRunDetail(testApp.database.db, runId))?.stages[0]?.jobs[0];
    await expect(control().retryJob(runId, job?.id ?? '', refuse)).rejects.toThrow('refused');
    const after = await findRunDetail(testApp.database.db, runId);
    expect([after?.status, after?.stages[0]?.jobs[0]?.status]).toEqual(['canceled', 'canceled']);
  });

  it('does not mark the agent draining when the drain event cannot be written', async () => {
    const agent = { id: (await enrolTestAgent(testApp.database.db, { name: 'a1' })).agentId };
    await expect(control().drainAgent(agent.id, refuse)).rejects.toThrow('refused');
    const response = await testApp.app.request('/api/agents', {
      headers: { authorization: `Bearer ${testAdminToken}` },
    });
    const { agents } = (await response.json()) as { agents: { id: string; draining: boolean }[] };
    expect(agents).toEqual([expect.objectContaining({ id: agent.id, draining: false })]);
  });

  it('tells an agent running a job that it was asked to drain on its next heartbeat', async () => {
    // The drain control message goes over core NATS, best effort: the heartbeat answer is what cannot be lost.
    const agentId = (await enrolTestAgent(testApp.database.db, { name: 'a2' })).agentId;
    const job = (await findRunDetail(testApp.database.db, await trigger()))?.stages[0]?.jobs[0];
    if (!job) throw new Error('no job');
    const claim = await testApp.lifecycle.claim(agentId, job.id, job.attempt);
    if (!claim.granted) throw new Error(`claim refused: ${claim.reason}`);
    const lease = { jobId: job.id, attempt: job.attempt, leaseToken: claim.leaseToken };
    expect(await testApp.lifecycle.heartbeat(lease)).toMatchObject({ drainRequested: false });
    await control().drainAgent(agentId);
    expect(await testApp.lifecycle.heartbeat(lease)).toMatchObject({ cancelRequested: false, drainRequested: true });
  });

  it('denies an agent asked to drain every claim, as "draining", and leaves the job queued for another', async () => {
    // An idle agent sends no heartbeat: its next claim is where a lost drain message is noticed.
    const enrolled = await enrolTestAgent(testApp.database.db, { name: 'a3' });
    await control().drainAgent(enrolled.agentId);
    const job = (await findRunDetail(testApp.database.db, await trigger()))?.stages[0]?.jobs[0];
    if (!job) throw new Error('no job');
    const caller = { credentialHash: hashAgentSecret(enrolled.credential) };
    expect(await testApp.lifecycle.claim(enrolled.agentId, job.id, job.attempt, { caller })).toEqual({
      granted: false,
      reason: 'not_the_caller',
    });
    expect(await testApp.lifecycle.claim(enrolled.agentId, job.id, job.attempt)).toEqual({
      granted: false,
      reason: 'draining',
    });
    const other = (await enrolTestAgent(testApp.database.db, { name: 'a4' })).agentId;
    expect((await testApp.lifecycle.claim(other, job.id, job.attempt)).granted).toBe(true);
  });
});

describe('retrying a job of a run with a stage its if: skipped', { timeout: 60_000 }, () => {
  const conditional = `name: p
stages:
  - name: build
    jobs:
      - { name: compile, steps: [make] }
  - name: deploy
    if: { branch: release }
    jobs:
      - { name: ship, steps: [ship] }
`;
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await openTestApp({ pipeline: conditional });
  }, 60_000);
  afterAll(async () => {
    await testApp?.close();
  });

  const runCompile = (runId: string, status: 'succeeded' | 'failed') => finishFirstJob(testApp, runId, status);

  it('keeps the stage skipped, with its reason, and never runs it', async () => {
    const runId = await triggerRun(testApp);
    await runCompile(runId, 'failed');
    const compile = (await findRunDetail(testApp.database.db, runId))?.stages[0]?.jobs[0];
    await testApp.deps.runControl.retryJob(runId, compile?.id ?? '');
    await runCompile(runId, 'succeeded');

    const run = await findRunDetail(testApp.database.db, runId);
    expect(run?.status).toBe('succeeded');
    expect(run?.stages.map((stage) => [stage.name, stage.status, stage.skipReason])).toEqual([
      ['build', 'succeeded', null],
      ['deploy', 'skipped', 'if: branch release; this run is on branch main'],
    ]);
    expect(run?.stages[1]?.jobs.map((job) => job.status)).not.toContain('queued');
  });
});

describe('retrying a job whose stage never opened', { timeout: 60_000 }, () => {
  const gated = `name: p
stages:
  - name: build
    jobs:
      - { name: compile, steps: [make] }
  - name: production
    environment: production
    approval: { required: 1 }
    jobs:
      - { name: deploy, steps: [ship] }
      - { name: notify, steps: [mail] }
  - name: announce
    if: { branch: release }
    jobs:
      - { name: post, steps: [post] }
`;
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await openTestApp({ pipeline: gated });
  }, 60_000);
  afterAll(async () => {
    await testApp?.close();
  });

  const trigger = () => triggerRun(testApp);
  const detail = (runId: string) => findRunDetail(testApp.database.db, runId);
  const finishCompile = (runId: string, status: 'succeeded' | 'failed') => finishFirstJob(testApp, runId, status);

  it('waits at the gate again instead of running a job of a gated stage canceled before its approval', async () => {
    const runId = await trigger();
    await finishCompile(runId, 'succeeded');
    expect((await detail(runId))?.status).toBe('awaiting_approval');
    await testApp.deps.runControl.cancelRun(runId);
    const deploy = (await detail(runId))?.stages[1]?.jobs[0];
    expect(deploy?.status).toBe('canceled');

    await testApp.deps.runControl.retryJob(runId, deploy?.id ?? '');
    await testApp.scheduler.settle();
    const run = await detail(runId);
    expect(run?.status).toBe('awaiting_approval');
    expect(run?.stages.map((stage) => [stage.name, stage.status])).toEqual([
      ['build', 'succeeded'],
      ['production', 'awaiting_approval'],
      ['announce', 'skipped'],
    ]);
    expect(run?.stages[1]?.jobs.map((job) => job.status)).toEqual(['pending', 'pending']);
    expect(run?.stages[1]?.finishedAt).toBeNull();
  });

  it('refuses a job of a stage its if: skipped, and one whose earlier stage did not succeed', async () => {
    const runId = await trigger();
    await finishCompile(runId, 'succeeded');
    await testApp.deps.runControl.cancelRun(runId);
    const post = (await detail(runId))?.stages[2]?.jobs[0];
    await expect(testApp.deps.runControl.retryJob(runId, post?.id ?? '')).rejects.toThrow(
      'stage "announce" was skipped (if: branch release; this run is on branch main); its jobs cannot be retried',
    );

    const canceledEarly = await trigger();
    await testApp.deps.runControl.cancelRun(canceledEarly);
    const deploy = (await detail(canceledEarly))?.stages[1]?.jobs[0];
    expect(deploy?.status).toBe('canceled');
    await expect(testApp.deps.runControl.retryJob(canceledEarly, deploy?.id ?? '')).rejects.toThrow(
      'stage "production" never started and stage "build" before it is canceled; retry a job of the last stage that ran',
    );
    expect((await detail(canceledEarly))?.stages.map((stage) => stage.status)).toEqual([
      'canceled',
      'skipped',
      'skipped',
    ]);
  });
});

describe('retrying a job of an approved stage canceled while it waited for its group', { timeout: 60_000 }, () => {
  const grouped = `name: p
stages:
  - name: production
    approval: { allow_self_approval: true }
    concurrency: prod
    jobs:
      - { name: deploy, steps: [ship] }
`;
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await openTestApp({ pipeline: grouped });
  }, 60_000);
  afterAll(async () => {
    await testApp?.close();
  });

  const triggered = () => triggerRun(testApp);
  const approve = async (runId: string) => {
    const response = await testApp.app.request(`/api/runs/${runId}/stages/production/approve`, {
      method: 'POST',
      headers: asAdmin,
      body: '{}',
    });
    expect(response.status).toBe(200);
    await testApp.scheduler.settle();
  };
  const detail = (runId: string) => findRunDetail(testApp.database.db, runId);

  it('asks for the approval again: one given before the cancel does not count', async () => {
    const holder = await triggered();
    await approve(holder);
    expect((await detail(holder))?.stages[0]?.status).toBe('running');
    const waiting = await triggered();
    await approve(waiting);
    expect((await detail(waiting))?.stages[0]?.status).toBe('waiting_for_concurrency');

    await testApp.deps.runControl.cancelRun(waiting);
    const deploy = (await detail(waiting))?.stages[0]?.jobs[0];
    expect(deploy?.status).toBe('canceled');
    await testApp.deps.runControl.retryJob(waiting, deploy?.id ?? '');
    await testApp.scheduler.settle();
    const run = await detail(waiting);
    expect([run?.status, run?.stages[0]?.status]).toEqual(['awaiting_approval', 'awaiting_approval']);
  });
});
