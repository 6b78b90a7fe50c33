/**
 * The foundation flow end to end on real parts: nats-server, PostgreSQL, the
 * controller and two agent processes, and real git repositories.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitRepo, type RunView } from '../src/harness/index.js';
import { type Farm, farmLogs, startFarm } from './farm-fixture.js';

/**
 * Three test jobs that can only all finish if they run at the same time: each
 * checks in at a barrier directory and waits (bounded) for the other two.
 */
function pipelineFile(barrier: string, options: { failUnit?: boolean } = {}) {
  const testJob = (name: string, lastStep: string) => `      - name: ${name}
        steps:
          - |
            touch ${barrier}/${name}
            for i in $(seq 600); do [ "$(ls ${barrier} | wc -l)" -ge 3 ] && exit 0; sleep 0.1; done
            echo "never met the other test jobs"; exit 1
          - ${lastStep}
`;
  return `name: e2e
env:
  GREETING: hello
stages:
  - name: build
    jobs:
      - name: compile
        steps:
          - echo "compiling $GANTRY_SHA"
          - echo "$GREETING from build" && echo "to stderr" >&2
  - name: test
    jobs:
${testJob('unit', options.failUnit ? "echo 'unit tests failing'; exit 3" : 'echo unit ok')}${testJob('integration', 'echo integration ok')}${testJob('lint', 'echo lint ok')}  - name: staging
    environment: staging
    jobs:
      - { name: deploy, steps: ["echo deploying to staging"] }
  - name: production
    environment: production
    approval: { required: 1, allow_self_approval: true }
    jobs:
      - { name: deploy, steps: ["echo deploying to production"] }
`;
}

const jobOf = (run: RunView, stage: string, job: string) => {
  const found = run.stages.find((s) => s.name === stage)?.jobs.find((j) => j.name === job);
  if (!found) throw new Error(`no job ${stage}/${job} in run ${run.id}`);
  return found;
};

describe('a commit from trigger to production', () => {
  let farm: Farm;
  beforeAll(async () => {
    farm = await startFarm({ agents: 2, slots: 2 });
  });
  afterAll(async () => {
    await farm?.stop();
  });

  it('builds, tests in parallel on two agents, deploys to staging, waits for approval, then ships', async () => {
    const barrier = await mkdtemp(join(tmpdir(), 'gantry-barrier-'));
    const repo = await createGitRepo({ '.gantry.yml': pipelineFile(barrier) });
    const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
    expect(created.response.status).toBe(201);
    expect(created.data!.status).toBe('queued');
    const runId = created.data!.id;

    const gated = await farm.client.waitForRun(runId, (run) => run.status !== 'queued' && run.status !== 'running', {
      timeoutMs: 90_000,
    });
    expect(gated.status, farmLogs(farm)).toBe('awaiting_approval');
    expect(gated.sha).toBe(repo.sha);
    expect(gated.stages.map((stage) => [stage.name, stage.status])).toEqual([
      ['build', 'succeeded'],
      ['test', 'succeeded'],
      ['staging', 'succeeded'],
      ['production', 'awaiting_approval'],
    ]);
    expect(jobOf(gated, 'production', 'deploy').status).toBe('pending');

    // The three test jobs met at the barrier, so they overlapped; with two slots per agent both agents ran some.
    const testJobs = gated.stages[1]!.jobs;
    expect(new Set(testJobs.map((job) => job.agentId)).size).toBe(2);

    const compileLog = await farm.client.readLog(runId, jobOf(gated, 'build', 'compile').id);
    expect(compileLog).toContain(`compiling ${repo.sha}`);
    expect(compileLog).toContain('hello from build');
    expect(compileLog).toContain('to stderr');
    expect(compileLog).toContain('$ echo "compiling $GANTRY_SHA"');

    const approved = await farm.client.POST('/api/runs/{id}/stages/{stage}/approve', {
      params: { path: { id: runId, stage: 'production' } },
      body: { comment: 'ship it' },
    });
    expect(approved.response.status).toBe(200);

    const done = await farm.client.waitForRun(runId, (run) => run.status === 'succeeded' || run.status === 'failed', {
      timeoutMs: 60_000,
    });
    expect(done.status, farmLogs(farm)).toBe('succeeded');
    const deployLog = await farm.client.readLog(runId, jobOf(done, 'production', 'deploy').id);
    expect(deployLog).toContain('deploying to production');
  });

  it('fails the job, its stage and the run when a step fails, and never starts later stages', async () => {
    const barrier = await mkdtemp(join(tmpdir(), 'gantry-barrier-'));
    const repo = await createGitRepo({ '.gantry.yml': pipelineFile(barrier, { failUnit: true }) });
    const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
    const run = await farm.client.waitForRun(created.data!.id, (r) => ['succeeded', 'failed'].includes(r.status), {
      timeoutMs: 90_000,
    });
    expect(run.status, farmLogs(farm)).toBe('failed');
    expect(run.stages.map((stage) => [stage.name, stage.status])).toEqual([
      ['build', 'succeeded'],
      ['test', 'failed'],
      ['staging', 'skipped'],
      ['production', 'skipped'],
    ]);
    const unit = jobOf(run, 'test', 'unit');
    expect(unit.status).toBe('failed');
    expect(unit.exitCode).toBe(3);
    expect(jobOf(run, 'test', 'integration').status).toBe('succeeded');
    expect(jobOf(run, 'staging', 'deploy').status).toBe('pending');
    expect(jobOf(run, 'staging', 'deploy').startedAt).toBeNull();
    const log = await farm.client.readLog(run.id, unit.id);
    expect(log).toContain('unit tests failing');
  });

  it('fails a run whose .gantry.yml is invalid, naming the line', async () => {
    const repo = await createGitRepo({
      '.gantry.yml':
        'name: broken\nstages:\n  - name: build\n    jobs:\n      - name: compile\n        stpes: [make]\n',
    });
    const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
    const run = await farm.client.waitForRun(created.data!.id, (r) => r.status === 'failed', { timeoutMs: 30_000 });
    expect(run.error).toContain('.gantry.yml:6:9');
    expect(run.error).toContain('unknown key "stpes"');
    expect(run.stages).toEqual([]);
  });

  it('refuses to trigger a ref that does not exist, saying so', async () => {
    const repo = await createGitRepo({ '.gantry.yml': 'name: x\n' });
    const refused = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'no-such-branch' } });
    expect(refused.response.status).toBe(422);
    expect(refused.error!.error.code).toBe('REF_NOT_FOUND');
    expect(refused.error!.error.message).toContain('ref "no-such-branch" not found');
  });

  describe('bad input answers a JSON error, never a 500', () => {
    const send = (path: string, init: RequestInit = {}, token: string | null = farm.adminToken) =>
      fetch(`${farm.controller.httpUrl}${path}`, {
        ...init,
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...init.headers,
        },
      });

    it.each([
      ['malformed JSON', () => send('/api/runs', { method: 'POST', body: '{"repo": ' }), 400, 'INVALID_JSON'],
      ['a missing repo', () => send('/api/runs', { method: 'POST', body: '{"ref":"main"}' }), 400, 'INVALID_INPUT'],
      [
        'an unknown field',
        () => send('/api/runs', { method: 'POST', body: '{"repo":"x","branch":"main"}' }),
        400,
        'INVALID_INPUT',
      ],
      [
        'a NUL byte in the repo',
        () => send('/api/runs', { method: 'POST', body: '{"repo":"a\\u0000b"}' }),
        400,
        'INVALID_INPUT',
      ],
      ['a JSON array body', () => send('/api/runs', { method: 'POST', body: '[1,2]' }), 400, 'INVALID_INPUT'],
      ['a bad limit', () => send('/api/runs?limit=abc'), 400, 'INVALID_INPUT'],
      ['an unknown run', () => send('/api/runs/00000000-0000-0000-0000-000000000000'), 404, 'NOT_FOUND'],
      ['an unknown job log', () => send('/api/runs/nope/jobs/nope/log'), 404, 'NOT_FOUND'],
      [
        'approving an unknown run',
        () => send('/api/runs/nope/stages/production/approve', { method: 'POST' }),
        404,
        'NOT_FOUND',
      ],
      ['a missing token', () => send('/api/runs', {}, null), 401, 'UNAUTHENTICATED'],
      ['a wrong token', () => send('/api/runs', {}, 'not-the-token'), 401, 'UNAUTHENTICATED'],
      ['an unknown route', () => send('/api/nothing-here'), 404, 'NOT_FOUND'],
    ])('%s', async (_name, request, status, code) => {
      const response = await request();
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toContain('application/json');
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.message.length).toBeGreaterThan(0);
    });

    it('refuses to approve a stage that is not waiting for approval', async () => {
      const repo = await createGitRepo({
        '.gantry.yml': 'name: quick\nstages:\n  - name: only\n    jobs:\n      - { name: a, steps: ["true"] }\n',
      });
      const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
      await farm.client.waitForRun(created.data!.id, (r) => r.status === 'succeeded', { timeoutMs: 30_000 });
      const response = await send(`/api/runs/${created.data!.id}/stages/only/approve`, { method: 'POST', body: '{}' });
      expect(response.status).toBe(409);
    });
  });
});
