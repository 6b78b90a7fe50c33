/**
 * `/runs/:id/jobs/:jobId`: one attempt's log, which the script streams into
 * the page (following it while the attempt runs) and colours. Without the
 * script, the raw log link still shows it.
 */
import type { components, Job, RunDetail } from '@gantry/client';
import { html } from 'hono/html';
import { formatDuration, statusText } from './format.js';
import { type Html, layout, type PageFrame } from './layout.js';
import { statusBadge } from './status.js';

export interface JobPageData {
  run: RunDetail;
  job: Job;
  /** The attempt shown; null when the job has not started. */
  attempt: number | null;
  steps: components['schemas']['JobSteps']['steps'];
  /** The whole log rather than its tail first. */
  whole: boolean;
  nowMs: number;
}

/** A log is shown from its last MiB first; the rest on demand (`?whole=1`). */
export const tailBytes = 1024 * 1024;

export function jobLogPage(user: PageFrame['user'], data: JobPageData): Html {
  const { run, job, attempt, steps, whole, nowMs } = data;
  const runPath = `/runs/${encodeURIComponent(run.id)}`;
  const jobPath = `${runPath}/jobs/${encodeURIComponent(job.id)}`;
  const shown = job.attempts.find((candidate) => candidate.attempt === attempt);
  const running = shown ? shown.status === 'running' : job.status === 'queued' || job.status === 'pending';
  const logPath = `${jobPath}/log${attempt === null ? '' : `?attempt=${attempt}`}`;
  const join = attempt === null ? '?' : '&';
  const shownPath = whole ? logPath : `${logPath}${join}tailBytes=${tailBytes}`;
  const follow = `${shownPath}${shownPath.includes('?') ? '&' : '?'}follow=1`;
  const download = `${logPath}${join}download=1`;
  const wholePage = `${jobPath}?${attempt === null ? '' : `attempt=${attempt}&`}whole=1`;
  const labels = steps.map((step) => ({
    label: stepLabel(step, nowMs),
    status: step.status,
  }));
  return layout({
    title: `${job.name} log · ${run.pipeline ?? run.repo}`,
    user,
    section: 'runs',
    body: html`<p class="crumbs"><a href="${runPath}">← run ${run.pipeline ?? ''} ${run.ref}</a></p>
<div id="job-head">
<h1>${statusBadge(shown?.status ?? job.status)} ${job.name}</h1>
<p class="muted">queue ${job.queue}${shown ? html` · attempt ${shown.attempt} · ${statusText(shown.status)} · ${formatDuration(shown.startedAt, shown.finishedAt, nowMs)}${shown.exitCode === null ? '' : html` · exit ${shown.exitCode}`}` : ' · not started'}</p>
${
  job.attempts.length > 1
    ? html`<nav class="attempts" aria-label="attempts">Attempt: ${job.attempts.map((candidate) =>
        candidate.attempt === attempt
          ? html`<strong aria-current="page">${candidate.attempt}</strong> `
          : html`<a href="${jobPath}?attempt=${candidate.attempt}">${candidate.attempt}</a> `,
      )}</nav>`
    : ''
}
${
  steps.length > 0
    ? html`<ol class="steps">${steps.map(
        (step) =>
          html`<li class="status-${step.status}"><code>${step.command}</code> <span class="muted">${stepLabel(step, nowMs)}</span></li>`,
      )}</ol>`
    : ''
}
</div>
<p class="log-actions"><a href="${download}" download>Download raw log</a> · <a href="${logPath}">view raw</a></p>
<p id="log-earlier" class="muted" hidden>Showing the end of a long log. <a href="${wholePage}">Show all of it</a></p>
<pre id="log" class="log" tabindex="0" aria-label="log" aria-live="off" data-log="${running ? follow : shownPath}" data-steps="${JSON.stringify(labels)}" data-state="loading"></pre>
<p id="log-status" class="muted" role="status">${running ? 'following…' : ''}</p>`,
  });
}

/** `succeeded · 1.2s · exit 0`: how a step went, shown in the list and at its boundary in the log. */
function stepLabel(step: JobPageData['steps'][number], nowMs: number): string {
  const duration = formatDuration(step.startedAt, step.finishedAt, nowMs);
  return [statusText(step.status), duration, step.exitCode === null ? null : `exit ${step.exitCode}`]
    .filter((part) => part !== null)
    .join(' · ');
}
