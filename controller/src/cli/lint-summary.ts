/** Pure: what `gantry lint` prints for a valid pipeline, one line per stage and per job (matrix cells expanded). */
import type { PipelineDefinition, StageDefinition } from '../pipeline/index.js';

export function describePipeline(pipeline: PipelineDefinition, fileName: string): string[] {
  const jobs = pipeline.stages.reduce((count, stage) => count + stage.jobs.length, 0);
  const lines = [
    `${fileName}: pipeline "${pipeline.name}" is valid: ${plural(pipeline.stages.length, 'stage')}, ${plural(jobs, 'job')}`,
  ];
  for (const [index, stage] of pipeline.stages.entries()) {
    const details = stageDetails(stage);
    lines.push(`${index + 1}. ${stage.name}${details.length > 0 ? `  (${details.join('; ')})` : ''}`);
    for (const job of stage.jobs) {
      const details = [
        ...(job.queue === 'default' ? [] : [`queue ${job.queue}`]),
        ...(job.secrets && job.secrets.length > 0 ? [`secrets ${job.secrets.join(', ')}`] : []),
      ];
      lines.push(`   - ${job.name}${details.length > 0 ? `  (${details.join('; ')})` : ''}`);
    }
  }
  return lines;
}

function stageDetails(stage: StageDefinition): string[] {
  const details: string[] = [];
  if (stage.environment !== null) details.push(`environment ${stage.environment}`);
  if (stage.approval !== null) {
    const who = stage.approval.approvers.length > 0 ? ` from ${stage.approval.approvers.join(', ')}` : '';
    details.push(`waits for ${plural(stage.approval.required, 'approval')}${who}`);
  }
  if (stage.concurrency !== null) details.push(`concurrency ${stage.concurrency}`);
  return details;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
