/**
 * `/runs/:id/jobs/:jobId`: one attempt's log, which the script streams into
 * the page (following it while the attempt runs) and colours. Without the
 * script, the raw log link still shows it.
 */
import type { Job, RunDetail } from '@gantry/client';
import { html } from 'hono/html';
import { formatDuration, statusText } from './format.js';
import { type Html, layout, type PageFrame } from './layout.js';
import { statusBadge } from './status.js';

export interface JobPageData {
  run: RunDetail;
  job: Job;
  /** The attempt shown; null when the job has not started. */
  attempt: number | null;
  nowMs: number;
}

export function jobLogPage(user: PageFrame['user'], data: JobPageData): Html {
  const { run, job, attempt, nowMs } = data;
  const runPath = `/runs/${encodeURIComponent(run.id)}`;
  const jobPath = `${runPath}/jobs/${encodeURIComponent(job.id)}`;
  const shown = job.attempts.find((candidate) => candidate.attempt === attempt);
  const running = shown ? shown.status === 'running' : job.status === 'queued' || job.status === 'pending';
  const logPath = `${jobPath}/log${attempt === null ? '' : `?attempt=${attempt}`}`;
  const follow = `${logPath}${attempt === null ? '?' : '&'}follow=1`;
  const download = `${logPath}${attempt === null ? '?' : '&'}download=1`;
  return layout({
    title: `${job.name} log · ${run.pipeline ?? run.repo}`,
    user,
    section: 'runs',
    body: html`<p class="crumbs"><a href="${runPath}">← run ${run.pipeline ?? ''} ${run.ref}</a></p>
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
<p class="log-actions"><a href="${download}" download>Download raw log</a> · <a href="${logPath}">view raw</a></p>
<pre id="log" class="log" tabindex="0" aria-label="log" aria-live="off" data-log="${running ? follow : logPath}" data-state="loading"></pre>
<p id="log-status" class="muted" role="status">${running ? 'following…' : ''}</p>`,
  });
}
