/**
 * What every step gets, on real agents: the GANTRY_* facts of its run, job and
 * stage, and `env` at pipeline, stage and job level (job wins over stage over
 * pipeline).
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitRepo, type RunView } from '../src/harness/index.js';
import { type Farm, farmLogs, startFarm } from './farm-fixture.js';

const pipeline = `name: variables
env: { LEVEL: pipeline, FROM_PIPELINE: p, SHARED: pipeline }
stages:
  - name: report
    env: { LEVEL: stage, FROM_STAGE: s }
    jobs:
      - name: print
        env: { LEVEL: job, GANTRY_SHA: forged }
        steps:
          - env | grep -E '^(GANTRY_|LEVEL=|FROM_|SHARED=)' | sort
`;

/** The `NAME=value` lines a job printed. */
function variablesOf(log: string): Record<string, string> {
  return Object.fromEntries(
    log
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('variables every step gets', () => {
  let farm: Farm;
  beforeAll(async () => {
    farm = await startFarm({ agents: 1, slots: 2 });
  });
  afterAll(async () => {
    await farm?.stop();
  });

  async function printed(repo: string, ref: string): Promise<{ run: RunView; variables: Record<string, string> }> {
    const created = await farm.client.POST('/api/runs', { body: { repo, ref } });
    expect(created.response.status).toBe(201);
    const run = await farm.client.waitForRun(
      created.data!.id,
      (r) => r.status === 'succeeded' || r.status === 'failed',
      {
        timeoutMs: 90_000,
      },
    );
    expect(run.status, `${run.error}\n${farmLogs(farm)}`).toBe('succeeded');
    const job = run.stages[0]!.jobs[0]!;
    return { run, variables: variablesOf(await farm.client.readLog(run.id, job.id)) };
  }

  it('gives a branch run its facts, and env with job over stage over pipeline', async () => {
    const repo = await createGitRepo({ '.gantry.yml': pipeline });
    const { run, variables } = await printed(repo.path, 'main');
    const job = run.stages[0]!.jobs[0]!;
    expect(variables).toMatchObject({
      GANTRY_RUN_ID: run.id,
      GANTRY_JOB_ID: job.id,
      GANTRY_JOB_NAME: 'print',
      GANTRY_ATTEMPT: '1',
      GANTRY_SHA: repo.sha,
      GANTRY_REF: 'refs/heads/main',
      GANTRY_BRANCH: 'main',
      GANTRY_REPO: repo.path,
      GANTRY_PIPELINE: 'variables',
      GANTRY_STAGE: 'report',
      LEVEL: 'job',
      FROM_PIPELINE: 'p',
      FROM_STAGE: 's',
      SHARED: 'pipeline',
    });
    expect(variables).not.toHaveProperty('GANTRY_TAG');
  });

  it('gives a tag run GANTRY_TAG instead of GANTRY_BRANCH', async () => {
    const repo = await createGitRepo({ '.gantry.yml': pipeline });
    execFileSync('git', ['-C', repo.path, 'tag', 'v1.0']);
    const { variables } = await printed(repo.path, 'v1.0');
    expect(variables).toMatchObject({ GANTRY_REF: 'refs/tags/v1.0', GANTRY_TAG: 'v1.0', GANTRY_SHA: repo.sha });
    expect(variables).not.toHaveProperty('GANTRY_BRANCH');
  });
});
