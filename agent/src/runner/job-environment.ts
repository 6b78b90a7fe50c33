import type { JobSpec__Output } from '@gantry/proto';
import type { Lease } from '../controller-client.js';
import { inheritedEnvironment } from '../executor/step-environment.js';

/** Where an attempt runs: its checkout, its own temporary directory and, under --run-as, its HOME. */
export interface JobPlaces {
  workspace: string;
  /** TMPDIR of every step; made for the attempt and removed with it. */
  tmpDir: string;
  /** Overrides the agent's HOME (a run-as user's home). */
  home?: string;
}

/**
 * The environment of every step of an attempt, built from an allow-list and
 * never the agent's whole environment: PATH, HOME, LANG, LC_* and TZ from the
 * agent, TMPDIR (the attempt's own), then the job's own variables (pipeline,
 * stage and job `env`, merged by the controller), then the granted secrets,
 * then the GANTRY_* facts, which neither can override.
 * GANTRY_BRANCH or GANTRY_TAG is set when the run's ref is one.
 */
export function jobEnvironment(
  agentEnv: Record<string, string>,
  job: JobSpec__Output,
  lease: Lease,
  places: JobPlaces,
  secrets: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    ...inheritedEnvironment(agentEnv),
    ...(places.home === undefined ? {} : { HOME: places.home }),
    TMPDIR: places.tmpDir,
    ...withoutGantryFacts(job.env),
    ...withoutGantryFacts(secrets),
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
    GANTRY_WORKSPACE: places.workspace,
  };
}

/**
 * `variables` without the GANTRY_* names: those are facts about the run, set
 * only when they hold (GANTRY_TAG only on a tag), which `env` cannot set either.
 */
function withoutGantryFacts(variables: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(variables).filter(([name]) => !name.startsWith('GANTRY_')));
}
