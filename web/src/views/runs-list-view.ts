/**
 * `/`: the runs, newest first, with filters; the table body is what live
 * updates replace. A page of older runs (`before`) is not live, and links to
 * the newest runs and to the page after it.
 */
import type { RunListEntry } from '@gantry/client';
import { html } from 'hono/html';
import { formatDuration, formatTime, shortSha, statusText } from './format.js';
import { type Html, layout, type PageFrame } from './layout.js';
import { stageStrip, statusBadge } from './status.js';

export const runStatuses = ['queued', 'running', 'awaiting_approval', 'succeeded', 'failed', 'canceled', 'rejected'];

/** Runs on one page of the list. */
export const runsPageSize = 50;

export interface RunsFilter {
  repo?: string | undefined;
  status?: string | undefined;
}

/** Where the shown page sits in the list: after run `before` (absent: the newest), and the run the next page follows. */
export interface RunsPagePosition {
  before?: string | undefined;
  next: string | null;
}

export function runsPage(
  user: PageFrame['user'],
  runs: RunListEntry[],
  filter: RunsFilter & RunsPagePosition,
  nowMs: number,
): Html {
  const live = filter.before
    ? ''
    : html` data-live="${listUrl('/partials/runs', filter)}" data-events="${listUrl('/events', filter, { limit: String(runsPageSize) })}"`;
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
  <tbody id="runs-live"${live}>${runRows(runs, nowMs, pagerRow(filter), filter.before ? 'No older runs.' : undefined)}</tbody>
</table>
</div>`,
  });
}

/**
 * The links to the newest runs (on an older page) and to the next page, as
 * the table's last row: on the live page it is replaced with the rows, so it
 * always follows the last run shown.
 */
export function pagerRow(filter: RunsFilter & RunsPagePosition): Html | '' {
  const newest = filter.before ? html`<a href="${listUrl('/', filter)}">Newest runs</a>` : '';
  const older = filter.next
    ? html`<a href="${listUrl('/', filter, { before: filter.next })}" rel="next">Older runs</a>`
    : '';
  if (!newest && !older) return '';
  return html`<tr class="pager"><td colspan="6">${newest} ${older}</td></tr>`;
}

/** `path` with the filter's query, and `extra`. */
export function listUrl(path: string, filter: RunsFilter, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams();
  if (filter.repo) query.set('repo', filter.repo);
  if (filter.status) query.set('status', filter.status);
  for (const [name, value] of Object.entries(extra)) query.set(name, value);
  return `${path}${query.size > 0 ? `?${query}` : ''}`;
}

export function runRows(runs: RunListEntry[], nowMs: number, pager: Html | '' = '', empty = 'No runs yet.'): Html {
  if (runs.length === 0) return html`<tr><td colspan="6" class="empty">${empty}</td></tr>${pager}`;
  return html`${runs.map(
    (run) => html`<tr data-run="${run.id}">
  <td>${statusBadge(run.status)}</td>
  <td><a href="/runs/${encodeURIComponent(run.id)}">${run.repo}</a><br><span class="muted">${run.ref}</span></td>
  <td><code>${shortSha(run.sha)}</code> ${run.commitSubject ?? ''}</td>
  <td>${stageStrip(run.stages)}</td>
  <td>${run.triggeredBy}<br><span class="muted">${formatTime(run.createdAt)}</span></td>
  <td>${formatDuration(run.startedAt, run.finishedAt, nowMs) ?? '—'}</td>
</tr>`,
  )}${pager}`;
}
