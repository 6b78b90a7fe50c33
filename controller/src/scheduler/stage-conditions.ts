/**
 * Applies each stage's `if:` when a run is planned: a stage whose condition
 * does not hold for the run's ref is planned `skipped`, with the reason, and
 * the stages after it run as usual (a skipped stage counts as done).
 */
import { type RefKind, refKindOf } from '../domain/ref-kind.js';
import type { Run } from '../domain/run.js';
import { matchesAnyGlob, type PipelineDefinition, type StageCondition } from '../pipeline/index.js';

export function withStageConditions(
  pipeline: PipelineDefinition,
  run: Pick<Run, 'ref' | 'fullRef'>,
): PipelineDefinition {
  if (pipeline.stages.every((stage) => stage.condition === null)) return pipeline;
  const ref = refKindOf(run.fullRef, run.ref);
  return {
    ...pipeline,
    stages: pipeline.stages.map((stage) => {
      const reason = stage.condition === null ? null : skipReasonOf(stage.condition, ref);
      return reason === null ? stage : { ...stage, skipReason: reason };
    }),
  };
}

/** Null when the stage runs; else why not, e.g. `if: branch main; this run is on branch feature/x`. */
export function skipReasonOf(condition: StageCondition, ref: RefKind | null): string | null {
  const branches = condition.branches ?? [];
  const tags = condition.tags ?? [];
  if (ref?.kind === 'branch' && matchesAnyGlob(branches, ref.name)) return null;
  if (ref?.kind === 'tag' && matchesAnyGlob(tags, ref.name)) return null;
  const wanted = [
    ...(branches.length > 0 ? [`branch ${branches.join(', ')}`] : []),
    ...(tags.length > 0 ? [`tag ${tags.join(', ')}`] : []),
  ].join(' or ');
  const actual = ref === null ? 'a ref that is neither a branch nor a tag' : `${ref.kind} ${ref.name}`;
  return `if: ${wanted}; this run is on ${actual}`;
}
