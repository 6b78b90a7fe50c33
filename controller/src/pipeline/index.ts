/** The pipeline module's public surface: parse `.gantry.yml`, report its problems, and the model it yields. */
export { type DurationResult, parseDuration } from './duration.js';
export { matchesAnyGlob } from './glob.js';
export { DEFAULT_PIPELINE_LIMITS, type PipelineLimits } from './limits.js';
export type {
  ApprovalPolicy,
  CacheDefinition,
  JobDefinition,
  PipelineDefinition,
  PipelineProblem,
  PushFilter,
  RetryPolicy,
  StageCondition,
  StageDefinition,
} from './model.js';
export { formatPipelineProblems, type ParseResult, PipelineError, parsePipeline } from './parse.js';
