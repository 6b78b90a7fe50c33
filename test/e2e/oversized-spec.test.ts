/**
 * A job whose spec the agent protocol cannot carry fails at once, with the
 * reason in the job's message and log, in one attempt: never as a lost agent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitRepo } from '../src/harness/index.js';
import { type Farm, farmLogs, startFarm } from './farm-fixture.js';

interface AttemptView {
  attempt: number;
  status: string;
  message: string | null;
}

const sixMebibyteStep = `: ${'x'.repeat(6 * 1024 * 1024)}`;

describe('a job spec over the protocol limit', () => {
  let farm: Farm;
  beforeAll(async () => {
    farm = await startFarm({
      agents: 1,
      controllerEnv: {
        // A lease that never expires during the test: only the claim-time check can end the attempt.
        GANTRY_LEASE_TTL_MS: '600000',
        // The trigger-time pipeline limits would refuse this pipeline first; this test is about the backstop.
        GANTRY_MAX_PIPELINE_BYTES: String(64 * 1024 * 1024),
        GANTRY_MAX_STEP_BYTES: String(64 * 1024 * 1024),
        GANTRY_MAX_JOB_SPEC_BYTES: String(64 * 1024 * 1024),
      },
    });
  });
  afterAll(async () => {
    await farm?.stop();
  });

  it('fails the job in one attempt, saying why', async () => {
    const repo = await createGitRepo({
      '.gantry.yml': `name: huge
stages:
  - name: build
    jobs:
      - name: huge
        steps:
          - "${sixMebibyteStep}"
`,
    });
    const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
    expect(created.response.status).toBe(201);
    const run = await farm.client.waitForRun(created.data!.id, (r) => ['succeeded', 'failed'].includes(r.status), {
      timeoutMs: 60_000,
    });
    expect(run.status, farmLogs(farm)).toBe('failed');
    const job = run.stages[0]?.jobs[0] as (typeof run.stages)[number]['jobs'][number] & {
      message: string | null;
      attempts: AttemptView[];
    };
    const reason = 'job spec is 6.0 MiB, over the 4 MiB limit of the agent protocol';
    expect(job.status).toBe('failed');
    expect(job.message).toBe(reason);
    expect(job.attempts.map(({ attempt, status, message }) => ({ attempt, status, message }))).toEqual([
      { attempt: 1, status: 'failed', message: reason },
    ]);
    const log = await farm.client.readLog(run.id, job.id);
    expect(log).toBe(`${reason}\n`);
  });
});
