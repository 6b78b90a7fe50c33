/**
 * `/environments`: the environments side by side (staging before
 * production), each with what is live there (commit, run, digests, who
 * approved) and its recent deployments; a deployment that succeeded and is
 * not live has a "Roll back to this" button for those who may trigger.
 */
import type { Deployment } from '@gantry/client';
import { html } from 'hono/html';
import { formatTime, shortSha } from './format.js';
import { type Html, layout, notice, type PageFrame } from './layout.js';
import { statusBadge } from './status.js';

export interface EnvironmentColumn {
  name: string;
  live: Deployment | null;
  history: Deployment[];
}

const ORDER = ['development', 'dev', 'test', 'staging', 'production'];

/** staging before production; others by name, unknown ones after the known. */
export function orderEnvironments(names: string[]): string[] {
  const rank = (name: string) => (ORDER.includes(name) ? ORDER.indexOf(name) : ORDER.length);
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function environmentsPage(
  user: NonNullable<PageFrame['user']>,
  columns: EnvironmentColumn[],
  flash: { error?: string; info?: string },
): Html {
  const canDeploy = user.roles.includes('trigger') || user.roles.includes('admin');
  return layout({
    title: 'Environments',
    user,
    section: 'environments',
    body: html`<h1>Environments</h1>
${notice('error', flash.error)}${notice('info', flash.info)}
${
  columns.length === 0
    ? html`<p class="muted">Nothing deployed yet: a stage with <code>environment:</code> records each deployment.</p>`
    : html`<div class="environments">${columns.map((column) => environmentColumn(column, canDeploy ? user.csrf : null))}</div>`
}`,
  });
}

function environmentColumn(column: EnvironmentColumn, csrf: string | null): Html {
  const { live } = column;
  return html`<section class="environment" data-environment="${column.name}" aria-labelledby="env-${column.name}">
  <h2 id="env-${column.name}">${column.name}</h2>
  ${
    live
      ? html`<dl class="facts live">
    <dt>Live</dt><dd><code class="live-sha">${shortSha(live.sha)}</code> ${live.commitSubject ?? ''}</dd>
    <dt>Run</dt><dd><a href="/runs/${encodeURIComponent(live.runId)}">${live.runId}</a> <span class="muted">${live.ref}</span></dd>
    <dt>Deployed</dt><dd>${formatTime(live.finishedAt)}${live.kind === 'rollback' ? html` · rollback asked by <span class="requested-by">${live.requestedBy}</span>` : ''}</dd>
    <dt>Approved by</dt><dd class="approvers">${live.approvers.join(', ') || 'no gate'}</dd>
    <dt>Artifacts</dt><dd><ul class="digests">${live.artifacts.map(
      (artifact) =>
        html`<li><code>${artifact.path}</code> <code class="digest">${artifact.sha256.slice(0, 12)}</code></li>`,
    )}</ul></dd>
  </dl>`
      : html`<p class="muted">Nothing live.</p>`
  }
  <h3>History</h3>
  <ol class="deployments">${column.history.map((deployment) => historyEntry(column.name, deployment, live, csrf))}</ol>
</section>`;
}

function historyEntry(environment: string, deployment: Deployment, live: Deployment | null, csrf: string | null): Html {
  const canRollBack =
    csrf !== null && deployment.status === 'succeeded' && live !== null && deployment.sha !== live.sha;
  return html`<li data-deployment="${deployment.id}" data-kind="${deployment.kind}">
  ${statusBadge(deployment.status)} <code>${shortSha(deployment.sha)}</code>
  ${deployment.kind === 'rollback' ? html`<strong>rollback</strong> asked by ${deployment.requestedBy}` : 'deploy'}
  <span class="muted">${formatTime(deployment.createdAt)}${deployment.approvers.length > 0 ? ` · approved by ${deployment.approvers.join(', ')}` : ''}</span>
  ${
    canRollBack
      ? html`<form method="post" action="/environments/${encodeURIComponent(environment)}/rollback" class="rollback">
    <input type="hidden" name="_csrf" value="${csrf}">
    <input type="hidden" name="runId" value="${deployment.runId}">
    <button type="submit">Roll back to this</button>
  </form>`
      : ''
  }
</li>`;
}
