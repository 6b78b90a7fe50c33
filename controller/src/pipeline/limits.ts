/**
 * How big a pipeline may be. `parsePipeline` takes these as a parameter (the
 * controller reads them from its GANTRY_MAX_* variables) and reports anything
 * over a limit like any other problem, naming the variable that raises it.
 */

export interface PipelineLimits {
  /** The `.gantry.yml` file itself. */
  maxPipelineBytes: number;
  /** Jobs in one stage, after matrix expansion. */
  maxJobsPerStage: number;
  /** Jobs in the whole pipeline, after matrix expansion. */
  maxJobsPerRun: number;
  /** Steps in one job. */
  maxStepsPerJob: number;
  /** One step's shell line, as written. */
  maxStepBytes: number;
  /** One job as stored and sent to an agent (how it is measured: plan-size.ts). */
  maxJobSpecBytes: number;
  /** Every job of the plan together (fixed: it bounds what planning holds in memory and writes). */
  maxPlanBytes: number;
}

export const DEFAULT_PIPELINE_LIMITS: Readonly<PipelineLimits> = {
  maxPipelineBytes: 1024 * 1024,
  maxJobsPerStage: 1000,
  maxJobsPerRun: 5000,
  maxStepsPerJob: 10_000,
  maxStepBytes: 256 * 1024,
  maxJobSpecBytes: 1024 * 1024,
  maxPlanBytes: 256 * 1024 * 1024,
};

/** The controller variable that sets each limit, quoted in problems so the reader knows what to raise. */
export const LIMIT_VARIABLES: Readonly<Partial<Record<keyof PipelineLimits, string>>> = {
  maxPipelineBytes: 'GANTRY_MAX_PIPELINE_BYTES',
  maxJobsPerStage: 'GANTRY_MAX_JOBS_PER_STAGE',
  maxJobsPerRun: 'GANTRY_MAX_JOBS_PER_RUN',
  maxStepsPerJob: 'GANTRY_MAX_STEPS_PER_JOB',
  maxStepBytes: 'GANTRY_MAX_STEP_BYTES',
  maxJobSpecBytes: 'GANTRY_MAX_JOB_SPEC_BYTES',
};

/** `, over the limit of 1 MiB (GANTRY_MAX_JOB_SPEC_BYTES)`. */
export function overLimit(limits: PipelineLimits, limit: keyof PipelineLimits, unit: 'bytes' | 'count'): string {
  const value = limits[limit];
  const variable = LIMIT_VARIABLES[limit];
  return `over the limit of ${unit === 'bytes' ? formatBytes(value) : value}${variable ? ` (${variable})` : ''}`;
}

/** 300 → `300 bytes`, 262144 → `256 KiB`, 1572864 → `1.5 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const [value, unit] = bytes < 1024 * 1024 ? [bytes / 1024, 'KiB'] : [bytes / (1024 * 1024), 'MiB'];
  return `${Number(value.toFixed(1))} ${unit}`;
}

/** UTF-8 size of a string, without encoding it. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
