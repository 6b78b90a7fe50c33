/** One entry of the top-level `stages:` list: its settings and its jobs as written. */
import { readApproval } from './approval.js';
import { readConcurrencyGroup, readSupersede } from './concurrency.js';
import { type JobSpec, readJob } from './job.js';
import type { PipelineLimits } from './limits.js';
import type { Path } from './locate.js';
import type { ApprovalPolicy, StageCondition } from './model.js';
import { readPlainEnv } from './plain-env.js';
import type { ProblemCollector } from './problems.js';
import { describe, readMapping, readName, reportMissing } from './schema.js';
import { readIf } from './triggers.js';

export const STAGE_KEYS = ['name', 'if', 'environment', 'approval', 'concurrency', 'supersede', 'env', 'jobs'];

/** A stage before matrix expansion. `name` is undefined when it was invalid. */
export interface StageSpec {
  path: Path;
  name: string | undefined;
  environment: string | null;
  approval: ApprovalPolicy | null;
  concurrency: string | null;
  supersede: boolean;
  condition: StageCondition | null;
  /** The stage's own `env`, which its jobs get over the pipeline's. */
  env: Map<string, string>;
  jobs: JobSpec[];
}

export function readStage(
  problems: ProblemCollector,
  value: unknown,
  path: Path,
  limits: PipelineLimits,
): StageSpec | undefined {
  const stage = readMapping(problems, value, path, STAGE_KEYS, 'a stage');
  if (stage === undefined) return undefined;

  if (stage.name === undefined) reportMissing(problems, path, 'name');
  const name = stage.name === undefined ? undefined : readName(problems, stage.name, [...path, 'name']);
  const environment = readOptionalName(problems, stage.environment, [...path, 'environment']);
  const concurrency = readConcurrencyGroup(problems, stage.concurrency, [...path, 'concurrency']);
  const approval = readApproval(problems, stage.approval, [...path, 'approval']);
  const supersede = readSupersede(problems, stage.supersede, [...path, 'supersede'], approval !== null);
  const env = readPlainEnv(problems, stage.env, [...path, 'env'], 'stage');
  const condition = readIf(problems, stage.if, [...path, 'if']);

  const jobs: JobSpec[] = [];
  const jobsPath = [...path, 'jobs'];
  if (stage.jobs === undefined) {
    reportMissing(problems, path, 'jobs');
  } else if (!Array.isArray(stage.jobs) || stage.jobs.length === 0) {
    problems.report(jobsPath, `jobs must be a non-empty list of jobs (got ${describe(stage.jobs)})`);
  } else {
    stage.jobs.forEach((entry: unknown, index) => {
      const job = readJob(problems, entry, [...jobsPath, index], limits);
      if (job !== undefined) jobs.push(job);
    });
  }
  return { path, name, environment, approval, concurrency, supersede, condition, env, jobs };
}

function readOptionalName(problems: ProblemCollector, value: unknown, path: Path): string | null {
  return value === undefined ? null : (readName(problems, value, path) ?? null);
}
