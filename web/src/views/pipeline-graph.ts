/** The pipeline as a graph: stages left to right, each job a box coloured by status with its duration and attempt. */
import type { RunDetail, Stage } from '@gantry/client';
import { html } from 'hono/html';
import { formatDuration, statusText } from './format.js';
import type { Html } from './layout.js';

export function pipelineGraph(run: RunDetail, nowMs: number): Html {
  if (run.stages.length === 0) {
    return html`<p class="muted" id="graph">${run.error ? '' : 'The pipeline has not been read yet.'}</p>`;
  }
  return html`<ol class="graph" id="graph" aria-label="pipeline">${run.stages.map((stage) => stageColumn(run, stage, nowMs))}</ol>`;
}

function stageColumn(run: RunDetail, stage: Stage, nowMs: number): Html {
  const gate = stage.approval
    ? html`<p class="gate">gate: ${approvedCount(stage)}/${stage.approval.required} approved</p>`
    : '';
  return html`<li class="stage status-${stage.status}" data-stage="${stage.name}" data-status="${stage.status}">
  <h3>${stage.name} <span class="stage-status">${statusText(stage.status)}</span></h3>
  ${gate}
  <ul class="jobs">${stage.jobs.map(
    (
      job,
    ) => html`<li><a class="job status-${job.status}" data-job="${job.name}" data-status="${job.status}" href="/runs/${encodeURIComponent(run.id)}/jobs/${encodeURIComponent(job.id)}">
    <span class="job-name">${job.name}</span>
    <span class="job-meta">${statusText(job.status)}${durationOf(job.startedAt, job.finishedAt, nowMs)}${job.attempt > 1 ? html` · attempt ${job.attempt}` : ''}</span>
  </a></li>`,
  )}</ul>
</li>`;
}

function durationOf(startedAt: string | null, finishedAt: string | null, nowMs: number): string {
  const duration = formatDuration(startedAt, finishedAt, nowMs);
  return duration ? ` · ${duration}` : '';
}

export function approvedCount(stage: Stage): number {
  return new Set(stage.approval?.decisions.filter((d) => d.decision === 'approved').map((d) => d.approver)).size;
}
