/**
 * One entry of a stage's `jobs:` list, read and checked on its own. Matrix
 * expansion and checks that need the other jobs (unique names,
 * `needs_artifacts`) happen later, in `references.ts`.
 */
import type { PipelineLimits } from './limits.js';
import type { Path } from './locate.js';
import { checkExpressions, type Matrix, readMatrix } from './matrix.js';
import type { ArtifactsWhen, JobReports, RetryPolicy } from './model.js';
import type { ProblemCollector } from './problems.js';
import { readReports } from './reports.js';
import {
  readDurationMs,
  readEnv,
  readInteger,
  readMapping,
  readString,
  readStringList,
  reportMissing,
} from './schema.js';
import { readSteps } from './steps.js';

export const JOB_KEYS = [
  'name',
  'queue',
  'steps',
  'env',
  'timeout',
  'retry',
  'artifacts',
  'artifacts_when',
  'needs_artifacts',
  'matrix',
  'reports',
];
const ARTIFACTS_WHEN: readonly ArtifactsWhen[] = ['on_success', 'always'];
export const RETRY_KEYS = ['lost', 'failed'];
const QUEUE_NAME = /^[A-Za-z0-9_-]+$/;
export const DEFAULT_QUEUE = 'default';
export const DEFAULT_RETRY: RetryPolicy = { lost: 2, failed: 0 };

/** A job as written, before matrix expansion. `name` is undefined when it was invalid. */
export interface JobSpec {
  path: Path;
  name: string | undefined;
  queue: string;
  steps: string[];
  stepTimeoutsMs: (number | null)[];
  env: Map<string, string>;
  timeoutMs: number | null;
  retry: RetryPolicy;
  artifacts: string[];
  artifactsWhen: ArtifactsWhen;
  needsArtifacts: { name: string; path: Path }[];
  matrix: Matrix | null;
  reports: JobReports;
}

export function readJob(
  problems: ProblemCollector,
  value: unknown,
  path: Path,
  limits: PipelineLimits,
): JobSpec | undefined {
  const job = readMapping(problems, value, path, JOB_KEYS, 'a job');
  if (job === undefined) return undefined;

  if (job.name === undefined) reportMissing(problems, path, 'name');
  const name = job.name === undefined ? undefined : readString(problems, job.name, [...path, 'name']);

  let queue = DEFAULT_QUEUE;
  if (job.queue !== undefined) {
    const text = readString(problems, job.queue, [...path, 'queue']);
    if (text !== undefined && !QUEUE_NAME.test(text)) {
      problems.report([...path, 'queue'], `queue "${text}" may only contain letters, digits, - and _`);
    } else if (text !== undefined) {
      queue = text;
    }
  }

  // A matrix that is present but invalid is `undefined`: expressions are not checked against it.
  const matrix = job.matrix === undefined ? null : readMatrix(problems, job.matrix, [...path, 'matrix']);

  let steps: string[] = [];
  let stepTimeoutsMs: (number | null)[] = [];
  if (job.steps === undefined) {
    reportMissing(problems, path, 'steps');
  } else {
    ({ steps, timeoutsMs: stepTimeoutsMs } = readSteps(problems, job.steps, [...path, 'steps'], limits));
    if (matrix !== undefined) {
      steps.forEach((step, index) => {
        checkExpressions(problems, step, [...path, 'steps', index], matrix);
      });
    }
  }

  const env =
    job.env === undefined ? new Map<string, string>() : (readEnv(problems, job.env, [...path, 'env']) ?? new Map());
  if (matrix !== undefined) {
    for (const [key, text] of env) checkExpressions(problems, text, [...path, 'env', key], matrix);
  }

  const timeoutMs =
    job.timeout === undefined ? null : (readDurationMs(problems, job.timeout, [...path, 'timeout']) ?? null);
  const retry = job.retry === undefined ? { ...DEFAULT_RETRY } : readRetry(problems, job.retry, [...path, 'retry']);
  const artifacts = job.artifacts === undefined ? [] : readArtifacts(problems, job.artifacts, [...path, 'artifacts']);

  const artifactsWhen =
    job.artifacts_when === undefined
      ? 'on_success'
      : readArtifactsWhen(problems, job.artifacts_when, [...path, 'artifacts_when']);

  const needsPath = [...path, 'needs_artifacts'];
  const needs =
    job.needs_artifacts === undefined
      ? []
      : (readStringList(problems, job.needs_artifacts, needsPath, 'needs_artifacts') ?? []);
  const needsArtifacts = needs.map((needed, index) => ({ name: needed, path: [...needsPath, index] }));
  const reports = job.reports === undefined ? { junit: [] } : readReports(problems, job.reports, [...path, 'reports']);

  return {
    path,
    name,
    queue,
    steps,
    stepTimeoutsMs,
    env,
    timeoutMs,
    retry,
    artifacts,
    artifactsWhen,
    needsArtifacts,
    matrix: matrix ?? null,
    reports,
  };
}

function readRetry(problems: ProblemCollector, value: unknown, path: Path): RetryPolicy {
  const retry = { ...DEFAULT_RETRY };
  const mapping = readMapping(problems, value, path, RETRY_KEYS, 'retry');
  if (mapping === undefined) return retry;
  if (mapping.lost !== undefined) retry.lost = readInteger(problems, mapping.lost, [...path, 'lost'], 0) ?? retry.lost;
  if (mapping.failed !== undefined) {
    retry.failed = readInteger(problems, mapping.failed, [...path, 'failed'], 0) ?? retry.failed;
  }
  return retry;
}

function readArtifactsWhen(problems: ProblemCollector, value: unknown, path: Path): ArtifactsWhen {
  const text = readString(problems, value, path);
  if (text === undefined) return 'on_success';
  if (ARTIFACTS_WHEN.includes(text as ArtifactsWhen)) return text as ArtifactsWhen;
  problems.report(path, `artifacts_when must be "on_success" or "always" (got "${text}")`);
  return 'on_success';
}

/** Artifact globs stay inside the workspace: no absolute paths, no `..`. */
function readArtifacts(problems: ProblemCollector, value: unknown, path: Path): string[] {
  const globs = readStringList(problems, value, path, 'artifacts') ?? [];
  globs.forEach((glob, index) => {
    if (/^([/\\~]|[A-Za-z]:)/.test(glob)) {
      problems.report([...path, index], `artifact path "${glob}" must be relative to the workspace`);
    } else if (glob.split(/[/\\]/).includes('..')) {
      problems.report(
        [...path, index],
        `artifact path "${glob}" must not contain ".." (it must stay inside the workspace)`,
      );
    }
  });
  return globs;
}
