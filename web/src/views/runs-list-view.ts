/** `/`: the runs, newest first, with filters; the table body is what live updates replace. */
import type { RunListEntry } from '@gantry/client';
import { html } from 'hono/html';
import { formatDuration, formatTime, shortSha, statusText } from './format.js';
import { type Html, layout, type PageFrame } from './layout.js';
import { stageStrip, statusBadge } from './status.js';

export const runStatuses = ['queued', 'running', 'awaiting_approval', 'succeeded', 'failed', 'canceled', 'rejected'];

export interface RunsFilter {
  repo?: string | undefined;
  status?: string | undefined;
}

export function runsPage(user: PageFrame['user'], runs: RunListEntry[], filter: RunsFilter, nowMs: number): Html {
  const query = new URLSearchParams();
  if (filter.repo) query.set('repo', filter.repo);
  if (filter.status) query.set('status', filter.status);
  const live = `/partials/runs${query.size > 0 ? `?${query}` : ''}`;
  const events = `/events${query.size > 0 ? `?${query}` : ''}`;
  return layout({
    title: 'Runs',
    user,
    section: 'runs',
    body: html`<h1>Runs</h1>
<form class="filters" method="get" action="/">
  <label>Repository <input name="repo" value="${filter.repo ?? ''}" maxlength="4096" placeholder="any"></label>
  <label>Status <select name="status">
    <option value="">any</option>
    ${runStatuses.map(
      (status) =>
        html`<option value="${status}"${status === filter.status ? html` selected` : ''}>${statusText(status)}</option>`,
    )}
  </select></label>
  <button type="submit">Filter</button>
</form>
<div class="table-scroll">
<table class="runs">
  <thead><tr><th>Status</th><th>Run</th><th>Commit</th><th>Stages</th><th>Triggered</th><th>Duration</th></tr></thead>
  <tbody id="runs-live" data-live="${live}" data-events="${events}">${runRows(runs, nowMs)}</tbody>
</table>
</div>`,
  });
}

export function runRows(runs: RunListEntry[], nowMs: number): Html {
  if (runs.length === 0) return html`<tr><td colspan="6" class="empty">No runs yet.</td></tr>`;
  return html`${runs.map(
    (run) => html`<tr data-run="${run.id}">
  <td>${statusBadge(run.status)}</td>
  <td><a href="/runs/${encodeURIComponent(run.id)}">${run.repo}</a><br><span class="muted">${run.ref}</span></td>
  <td><code>${shortSha(run.sha)}</code> ${run.commitSubject ?? ''}</td>
  <td>${stageStrip(run.stages)}</td>
  <td>${run.triggeredBy}<br><span class="muted">${formatTime(run.createdAt)}</span></td>
  <td>${formatDuration(run.startedAt, run.finishedAt, nowMs) ?? '—'}</td>
</tr>`,
  )}`;
}
