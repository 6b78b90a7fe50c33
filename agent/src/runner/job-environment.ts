import type { JobSpec__Output } from '@gantry/proto';
import type { Lease } from '../controller-client.js';

/**
 * The environment of every step of an attempt: the agent's environment, then
 * the job's own variables (pipeline, stage and job `env`, merged by the
 * controller), then the GANTRY_* facts, which a job cannot override.
 * GANTRY_BRANCH or GANTRY_TAG is set when the run's ref is one.
 */
export function jobEnvironment(
  baseEnv: Record<string, string>,
  job: JobSpec__Output,
  lease: Lease,
  workspace: string,
): Record<string, string> {
  return {
    ...baseEnv,
    ...job.env,
    CI: 'true',
    GANTRY: 'true',
    GANTRY_RUN_ID: job.runId,
    GANTRY_JOB_ID: lease.jobId,
    GANTRY_JOB_NAME: job.name,
    GANTRY_ATTEMPT: String(lease.attempt),
    GANTRY_SHA: job.sha,
    GANTRY_REF: job.ref,
    ...(job.branch === '' ? {} : { GANTRY_BRANCH: job.branch }),
    ...(job.tag === '' ? {} : { GANTRY_TAG: job.tag }),
    GANTRY_REPO: job.repoUrl,
    GANTRY_PIPELINE: job.pipeline,
    GANTRY_STAGE: job.stage,
    GANTRY_WORKSPACE: workspace,
  };
}
