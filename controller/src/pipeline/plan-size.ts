/**
 * The size checks that need the whole pipeline: jobs per stage and per run,
 * bytes per job and per plan, all as they will be after matrix expansion but
 * computed from the matrix sizes, so a pipeline over a limit is refused
 * before anything is expanded.
 */
import type { JobSpec } from './job.js';
import { formatBytes, overLimit, type PipelineLimits, utf8Bytes } from './limits.js';
import { matrixEnvName, matrixReferences } from './matrix.js';
import type { ProblemCollector } from './problems.js';
import { inheritedEnv } from './references.js';
import type { StageSpec } from './stage.js';

/** What one job spec expands to. */
interface ExpansionSize {
  jobs: number;
  /** The largest expanded job, in `jobSpecBytes`. */
  largestJobBytes: number;
  /** All its expanded jobs together. */
  totalBytes: number;
}

/** Reports every limit the expanded pipeline would break; true when it is safe to expand. */
export function checkPlanSize(
  problems: ProblemCollector,
  stages: readonly StageSpec[],
  pipelineEnv: ReadonlyMap<string, string>,
  limits: PipelineLimits,
): boolean {
  let withinLimits = true;
  let runJobs = 0;
  let planBytes = 0;
  for (const stage of stages) {
    let stageJobs = 0;
    for (const job of stage.jobs) {
      const size = expansionSize(job, inheritedEnv(pipelineEnv, stage));
      stageJobs += size.jobs;
      planBytes += size.totalBytes;
      if (size.largestJobBytes > limits.maxJobSpecBytes) {
        const which = job.matrix === null ? '' : ' (its largest matrix cell)';
        problems.report(
          job.path,
          `job "${job.name ?? ''}"${which} is ${formatBytes(size.largestJobBytes)} of steps, env and names, ${overLimit(limits, 'maxJobSpecBytes', 'bytes')}`,
        );
        withinLimits = false;
      }
    }
    runJobs += stageJobs;
    if (stageJobs > limits.maxJobsPerStage) {
      problems.report(
        [...stage.path, 'jobs'],
        `${stageJobs} jobs in stage "${stage.name ?? ''}" (after matrix expansion), ${overLimit(limits, 'maxJobsPerStage', 'count')}`,
      );
      withinLimits = false;
    }
  }
  if (runJobs > limits.maxJobsPerRun) {
    problems.report(
      ['stages'],
      `${runJobs} jobs in the pipeline (after matrix expansion), ${overLimit(limits, 'maxJobsPerRun', 'count')}`,
    );
    withinLimits = false;
  }
  if (withinLimits && planBytes > limits.maxPlanBytes) {
    problems.report(
      ['stages'],
      `the expanded jobs hold ${formatBytes(planBytes)} of steps, env and names together, ${overLimit(limits, 'maxPlanBytes', 'bytes')} for one run`,
    );
    withinLimits = false;
  }
  return withinLimits;
}

/**
 * A job's size is the UTF-8 bytes of every string stored with it and sent to
 * the agent: name, queue, steps, env names and values (pipeline, job and
 * MATRIX_*), artifact globs, needed job names and its matrix cell. Matrix
 * substitution only adds each variable's value, so every cell's size is a
 * base plus one term per variable, and the largest and total sizes follow
 * from the values without building any cell.
 */
function expansionSize(job: JobSpec, pipelineEnv: ReadonlyMap<string, string>): ExpansionSize {
  const references = new Map<string, number>();
  let base = utf8Bytes(job.name ?? '') + utf8Bytes(job.queue);
  const countTemplate = (text: string) => {
    base += utf8Bytes(text);
    for (const { expression, variable } of matrixReferences(text)) {
      base -= utf8Bytes(expression);
      references.set(variable, (references.get(variable) ?? 0) + 1);
    }
  };
  for (const step of job.steps) countTemplate(step);
  const matrixEnv = new Set(job.matrix?.map(([variable]) => matrixEnvName(variable)) ?? []);
  const env = new Map([...pipelineEnv].map(([key, value]) => [key, { value, template: false }]));
  for (const [key, value] of job.env) env.set(key, { value, template: true });
  for (const [key, { value, template }] of env) {
    if (matrixEnv.has(key)) continue;
    base += utf8Bytes(key);
    if (template) countTemplate(value);
    else base += utf8Bytes(value);
  }
  for (const text of job.artifacts) base += utf8Bytes(text);
  for (const need of job.needsArtifacts) base += utf8Bytes(need.name);
  if (job.matrix === null) return { jobs: 1, largestJobBytes: base, totalBytes: base };

  // The name gains " (a=1, b=2)".
  base += 3 + 2 * (job.matrix.length - 1);
  const jobs = job.matrix.reduce((count, [, values]) => count * values.length, 1);
  let largestJobBytes = base;
  let totalBytes = jobs * base;
  for (const [variable, values] of job.matrix) {
    const uses = references.get(variable) ?? 0;
    const variableBytes = utf8Bytes(variable);
    // Each value appears where referenced, in the name (`var=value`), as MATRIX_VAR and in the matrix cell.
    const termOf = (value: string) =>
      uses * utf8Bytes(value) +
      (variableBytes + 1 + utf8Bytes(value)) +
      (utf8Bytes(matrixEnvName(variable)) + utf8Bytes(value)) +
      (variableBytes + utf8Bytes(value));
    const terms = values.map(termOf);
    largestJobBytes += Math.max(...terms);
    totalBytes += (jobs / values.length) * terms.reduce((sum, term) => sum + term, 0);
  }
  return { jobs, largestJobBytes, totalBytes };
}
