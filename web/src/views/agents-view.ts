/** `/agents`: each agent's queues, slots in use, version, connection and jobs; Drain for admins. */
import type { Agent } from '@gantry/client';
import { html } from 'hono/html';
import { formatTime } from './format.js';
import { type Html, layout, notice, type PageFrame } from './layout.js';

export function agentsPage(
  user: NonNullable<PageFrame['user']>,
  agents: Agent[],
  flash: { error?: string; info?: string },
): Html {
  const admin = user.roles.includes('admin');
  return layout({
    title: 'Agents',
    user,
    section: 'agents',
    body: html`<h1>Agents</h1>
${notice('error', flash.error)}${notice('info', flash.info)}
<div class="table-scroll">
<table class="agents">
  <thead><tr><th>Name</th><th>Queues</th><th>Slots busy</th><th>Version</th><th>Connection</th><th>Last heartbeat</th><th>Jobs</th>${admin ? html`<th><span class="visually-hidden">Actions</span></th>` : ''}</tr></thead>
  <tbody>${
    agents.length === 0
      ? html`<tr><td colspan="8" class="empty">No agent has registered.</td></tr>`
      : agents.map(
          (agent) => html`<tr data-agent="${agent.name}">
  <td>${agent.name}<br><span class="muted">${agent.hostname}</span></td>
  <td>${agent.queues.join(', ')}</td>
  <td>${agent.jobs.length}/${agent.slots}</td>
  <td>${agent.version}</td>
  <td>${agent.connected ? 'connected' : 'disconnected'}${agent.draining ? html` <span class="badge status-canceled">draining</span>` : ''}</td>
  <td>${formatTime(agent.lastSeenAt)}</td>
  <td>${agent.jobs.map(
    (job) =>
      html`<a href="/runs/${encodeURIComponent(job.runId)}/jobs/${encodeURIComponent(job.jobId)}">${job.name}</a> `,
  )}</td>
  ${
    admin
      ? html`<td>${
          agent.draining
            ? ''
            : html`<form method="post" action="/agents/${encodeURIComponent(agent.id)}/drain">
    <input type="hidden" name="_csrf" value="${user.csrf}">
    <button type="submit">Drain</button></form>`
        }</td>`
      : ''
  }
</tr>`,
        )
  }</tbody>
</table>
</div>`,
  });
}
