/**
 * `/runs/:id`: what is running, what failed and what waits for the reader,
 * at a glance. `runLive` is the part live updates replace, section by
 * section (each has an id), so a comment being typed survives an update of
 * another section.
 */
import type { ReleaseChanges, RunDetail, RunTests } from '@gantry/client';
import { html } from 'hono/html';
import { approvalPanels } from './approval-panel.js';
import { formatDuration, formatTime, shortSha } from './format.js';
import { type Html, layout, notice, type PageFrame } from './layout.js';
import { pipelineGraph } from './pipeline-graph.js';
import { statusBadge } from './status.js';
import { testResults } from './test-results.js';
import { timeline } from './timeline.js';

export interface RunPageData {
  run: RunDetail;
  agentNames: Map<string, string>;
  csrf: string;
  nowMs: number;
  /** The jobs' test results; null when they could not be read. */
  tests: RunTests | null;
  /** For each stage awaiting approval that deploys to an environment: what approving would change there. */
  changes: Map<string, ReleaseChanges>;
}

export function runPage(user: PageFrame['user'], data: RunPageData, flash: { error?: string; info?: string }): Html {
  const { run } = data;
  const id = encodeURIComponent(run.id);
  return layout({
    title: `${run.status.replaceAll('_', ' ')} · ${run.pipeline ?? run.repo} ${run.ref}`,
    user,
    section: 'runs',
    body: html`<div id="flash">${notice('error', flash.error)}${notice('info', flash.info)}</div>
<div id="run-live" data-live="/partials/runs/${id}" data-events="/events?runId=${id}">${runLive(data)}</div>`,
  });
}

export function runLive(data: RunPageData): Html {
  const { run, nowMs } = data;
  const duration = formatDuration(run.startedAt, run.finishedAt, nowMs);
  return html`<section id="summary" class="summary">
  <h1>${statusBadge(run.status)} ${run.pipeline ?? 'run'} <span class="muted">${run.ref}</span></h1>
  <dl class="facts">
    <dt>Repository</dt><dd>${run.repo}</dd>
    <dt>Commit</dt><dd><code>${shortSha(run.sha)}</code> ${run.commitSubject ?? ''}${run.commitAuthor ? html` <span class="muted">by ${run.commitAuthor}</span>` : ''}</dd>
    <dt>Triggered</dt><dd>by ${run.triggeredBy} at ${formatTime(run.createdAt)}</dd>
    <dt>Duration</dt><dd>${duration ?? 'not started'}</dd>
    <dt>Run id</dt><dd><code>${run.id}</code></dd>
  </dl>
  ${run.error ? html`<p class="notice error" role="alert">${run.error}</p>` : ''}
</section>
${approvalPanels(run, data.csrf, data.changes)}
<section id="pipeline"><h2>Pipeline</h2>${pipelineGraph(run, nowMs)}</section>
${testResults(data.tests)}
<section id="when"><h2>Timeline</h2>${timeline(run, data.agentNames, nowMs)}</section>`;
}
