/**
 * One entry of a stage's `jobs:` list, read and checked on its own. Matrix
 * expansion and checks that need the other jobs (unique names,
 * `needs_artifacts`) happen later, in `references.ts`.
 */

import { readCaches } from './cache.js';
import type { PipelineLimits } from './limits.js';
import type { Path } from './locate.js';
import { checkExpressions, type Matrix, readMatrix } from './matrix.js';
import type { ArtifactsWhen, CacheDefinition, JobReports, RetryPolicy } from './model.js';
import type { ProblemCollector } from './problems.js';
import { readReports } from './reports.js';
import {
  readDurationMs,
  readEnv,
  readInteger,
  readMapping,
  readName,
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
  'secrets',
  'cache',
  'reports',
];
const ARTIFACTS_WHEN: readonly ArtifactsWhen[] = ['on_success', 'always'];
export const RETRY_KEYS = ['lost', 'failed'];
const QUEUE_NAME = /^[A-Za-z0-9_-]+$/;
/** A secret is handed to the steps as the environment variable of its name. */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** Secrets one job may name. */
export const MAX_JOB_SECRETS = 100;
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
  /** Names of the secrets granted to the job (environment variables of its steps). */
  secrets: string[];
  matrix: Matrix | null;
  /** The job's own `cache:`; undefined: it inherits the pipeline's. */
  caches: CacheDefinition[] | undefined;
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
  const name = job.name === undefined ? undefined : readName(problems, job.name, [...path, 'name']);

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

  const secrets = job.secrets === undefined ? [] : readSecretNames(problems, job.secrets, [...path, 'secrets']);

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
    secrets,
    matrix: matrix ?? null,
    caches: readCaches(problems, job.cache, [...path, 'cache']),
    reports,
  };
}

/** Secret names: environment variable names, not GANTRY_* (reserved), each once, at most MAX_JOB_SECRETS. */
function readSecretNames(problems: ProblemCollector, value: unknown, path: Path): string[] {
  const names = readStringList(problems, value, path, 'secrets') ?? [];
  if (names.length > MAX_JOB_SECRETS) {
    problems.report(path, `a job may name at most ${MAX_JOB_SECRETS} secrets (got ${names.length})`);
  }
  const seen = new Set<string>();
  names.forEach((name, index) => {
    if (!SECRET_NAME.test(name)) {
      problems.report(
        [...path, index],
        `secret name "${name}" must be an environment variable name (letters, digits and _, not starting with a digit)`,
      );
    } else if (name.startsWith('GANTRY_') || name === 'GANTRY' || name === 'CI') {
      problems.report([...path, index], `secret name "${name}" is reserved for Gantry's own variables`);
    } else if (seen.has(name)) {
      problems.report([...path, index], `secret "${name}" is named twice`);
    }
    seen.add(name);
  });
  return [...seen].filter((name) => SECRET_NAME.test(name));
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
