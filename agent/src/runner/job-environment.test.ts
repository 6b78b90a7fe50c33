import type { JobSpec__Output } from '@gantry/proto';
import { describe, expect, it } from 'vitest';
import { jobEnvironment } from './job-environment.js';

const job = {
  runId: 'run-1',
  jobId: 'job-1',
  attempt: 1,
  name: 'deploy',
  stage: 'production',
  repoUrl: 'file:///srv/app.git',
  ref: 'refs/heads/main',
  sha: 'a'.repeat(40),
  pipeline: 'app',
  branch: 'main',
  tag: '',
  env: { TARGET: 'eu', GANTRY_TAG: 'v9.9', GANTRY_SHA: 'forged', CI: 'no' },
} as unknown as JobSpec__Output;
const lease = { jobId: 'job-1', attempt: 1, leaseToken: 't' };
const places = { workspace: '/w', tmpDir: '/w.tmp' };

describe('jobEnvironment', () => {
  it('gives the job its env, and the GANTRY_* facts only as they hold, whatever env says', () => {
    const env = jobEnvironment({ PATH: '/bin', SECRET_OF_AGENT: 'x' }, job, lease, places, { GANTRY_REF: 'forged' });
    expect(env).toMatchObject({ TARGET: 'eu', CI: 'true', GANTRY_SHA: 'a'.repeat(40), GANTRY_BRANCH: 'main' });
    expect(env.GANTRY_REF).toBe('refs/heads/main');
    // A branch run has no tag: an env entry must not make it look like one.
    expect(env).not.toHaveProperty('GANTRY_TAG');
    expect(env).not.toHaveProperty('SECRET_OF_AGENT');
  });
});
