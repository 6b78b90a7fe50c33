/** Applies protected environments to a pipeline when a run is planned (domain/environment.ts). */
import { type EnvironmentProtection, protectedGate } from '../domain/environment.js';
import type { PipelineDefinition } from '../pipeline/model.js';

/** The environments the pipeline's stages deploy to. */
export function environmentsOf(pipeline: PipelineDefinition): string[] {
  return [...new Set(pipeline.stages.flatMap((stage) => (stage.environment ? [stage.environment] : [])))];
}

/** The pipeline with every stage of a protected environment gated at least as the protection says. */
export function withProtections(
  pipeline: PipelineDefinition,
  protections: EnvironmentProtection[],
  ref: string,
): PipelineDefinition {
  if (protections.length === 0) return pipeline;
  const byName = new Map(protections.map((protection) => [protection.name, protection]));
  return {
    ...pipeline,
    stages: pipeline.stages.map((stage) => {
      const protection = stage.environment ? byName.get(stage.environment) : undefined;
      return protection ? { ...stage, approval: protectedGate(stage.approval, protection, ref) } : stage;
    }),
  };
}
