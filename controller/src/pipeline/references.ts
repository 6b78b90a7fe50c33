/**
 * The checks that need the whole pipeline: matrix expansion, job names unique
 * within each stage, and `needs_artifacts` pointing at a job in an earlier
 * stage. Produces the final stages.
 */
import type { JobSpec } from './job.js';
import { expandMatrix, type MatrixCell, matrixEnvName, matrixJobName, substituteMatrix } from './matrix.js';
import type { CacheDefinition, JobDefinition, StageDefinition } from './model.js';
import type { ProblemCollector } from './problems.js';
import type { StageSpec } from './stage.js';
import { didYouMean } from './suggest.js';

interface ExpandedJob {
  spec: JobSpec;
  stageIndex: number;
  definition: JobDefinition;
}

export function resolveStages(
  problems: ProblemCollector,
  stages: readonly StageSpec[],
  pipelineEnv: ReadonlyMap<string, string>,
  pipelineCaches: readonly CacheDefinition[] = [],
): StageDefinition[] {
  const expanded = stages.flatMap((stage, stageIndex) =>
    stage.jobs.map((spec) => ({
      spec,
      stageIndex,
      jobs: expandJob(spec, inheritedEnv(pipelineEnv, stage), pipelineCaches),
    })),
  );
  const all: ExpandedJob[] = expanded.flatMap(({ spec, stageIndex, jobs }) =>
    jobs.map((definition) => ({ spec, stageIndex, definition })),
  );
  checkUniqueNames(problems, all);

  for (const { spec, stageIndex, jobs } of expanded) {
    const needed = resolveNeeds(problems, spec, stageIndex, stages, all);
    for (const job of jobs) job.needsArtifacts = needed;
  }

  return stages.map((stage, stageIndex) => ({
    name: stage.name ?? '',
    environment: stage.environment,
    approval: stage.approval,
    concurrency: stage.concurrency,
    supersede: stage.supersede,
    condition: stage.condition,
    jobs: all.filter((job) => job.stageIndex === stageIndex).map((job) => job.definition),
  }));
}

/** What a stage's jobs inherit: the pipeline's env, then the stage's (later wins). */
export function inheritedEnv(pipelineEnv: ReadonlyMap<string, string>, stage: StageSpec): Map<string, string> {
  return new Map([...pipelineEnv, ...stage.env]);
}

function expandJob(
  spec: JobSpec,
  pipelineEnv: ReadonlyMap<string, string>,
  pipelineCaches: readonly CacheDefinition[],
): JobDefinition[] {
  const cells: (MatrixCell | null)[] = spec.matrix === null ? [null] : expandMatrix(spec.matrix);
  return cells.map((cell) => {
    const substitute = (text: string): string => (cell === null ? text : substituteMatrix(text, cell));
    const env = new Map(pipelineEnv);
    for (const [key, value] of spec.env) env.set(key, substitute(value));
    for (const [variable, value] of Object.entries(cell ?? {})) env.set(matrixEnvName(variable), value);
    const baseName = spec.name ?? '';
    return {
      name: cell === null ? baseName : matrixJobName(baseName, cell),
      queue: spec.queue,
      steps: spec.steps.map(substitute),
      stepTimeoutsMs: [...spec.stepTimeoutsMs],
      env: Object.fromEntries(env),
      timeoutMs: spec.timeoutMs,
      retry: { ...spec.retry },
      artifacts: [...spec.artifacts],
      artifactsWhen: spec.artifactsWhen,
      needsArtifacts: [],
      ...(spec.secrets.length > 0 ? { secrets: [...spec.secrets] } : {}),
      matrix: cell,
      caches: structuredClone([...(spec.caches ?? pipelineCaches)]),
      reports: { junit: [...spec.reports.junit] },
    };
  });
}

/** Job names are unique within a stage; the same name may appear in another stage (deploy to staging, then production). */
function checkUniqueNames(problems: ProblemCollector, jobs: readonly ExpandedJob[]): void {
  const first = new Map<string, ExpandedJob>();
  const reported = new Set<JobSpec>();
  for (const job of jobs) {
    if (job.spec.name === undefined) continue;
    const key = `${job.stageIndex}/${job.definition.name}`;
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, job);
    } else if (!reported.has(job.spec)) {
      reported.add(job.spec);
      const line = problems.lineOf([...earlier.spec.path, 'name']);
      problems.report(
        [...job.spec.path, 'name'],
        `duplicate job name "${job.definition.name}" in this stage (first used on line ${line})`,
      );
    }
  }
}

/**
 * The expanded names `spec` needs. A matrix job's base name stands for all its
 * cells. Names may repeat across stages, so a name must point at exactly one
 * earlier stage.
 */
function resolveNeeds(
  problems: ProblemCollector,
  spec: JobSpec,
  stageIndex: number,
  stages: readonly StageSpec[],
  all: readonly ExpandedJob[],
): string[] {
  const names = new Set<string>();
  const self = spec.name ?? '';
  for (const need of spec.needsArtifacts) {
    const exact = all.filter((job) => job.definition.name === need.name);
    const named =
      exact.length > 0 ? exact : all.filter((job) => job.spec.matrix !== null && job.spec.name === need.name);
    const earlier = named.filter((job) => job.stageIndex < stageIndex);
    const earlierStages = [...new Set(earlier.map((job) => job.stageIndex))];
    if (named.length === 0) {
      const known = [...new Set(all.flatMap((job) => [job.definition.name, job.spec.name ?? '']))].filter(Boolean);
      const hint = didYouMean(need.name, known);
      problems.report(need.path, `job "${self}" needs artifacts of unknown job "${need.name}"${hint}`);
    } else if (earlier.length === 0 && named.some((job) => job.spec === spec)) {
      problems.report(need.path, `job "${self}" cannot need its own artifacts`);
    } else if (earlier.length === 0) {
      const later = named[0]!;
      const where = later.stageIndex === stageIndex ? 'the same stage' : 'a later stage';
      const stageName = stages[later.stageIndex]?.name ?? '';
      problems.report(
        need.path,
        `job "${self}" needs artifacts of job "${need.name}", which is in ${where} "${stageName}"; it must be in an earlier stage`,
      );
    } else if (earlierStages.length > 1) {
      const stageNames = earlierStages.map((index) => `"${stages[index]?.name ?? ''}"`).join(' and ');
      problems.report(
        need.path,
        `job "${self}" needs artifacts of job "${need.name}", which is ambiguous: stages ${stageNames} both have one`,
      );
    } else if (earlier.every((job) => job.definition.artifacts.length === 0)) {
      problems.report(
        need.path,
        `job "${self}" needs artifacts of job "${need.name}", which keeps none (it has no artifacts:)`,
      );
    } else {
      for (const job of earlier) names.add(job.definition.name);
    }
  }
  return [...names];
}
