/** Status badges and stage strips: colour carries the status, and the word is always there for whoever cannot see it. */
import { html } from 'hono/html';
import { statusText } from './format.js';
import type { Html } from './layout.js';

export function statusBadge(status: string): Html {
  return html`<span class="badge status-${status}" data-status="${status}">${statusText(status)}</span>`;
}

export function stageStrip(stages: { name: string; status: string }[]): Html {
  return html`<ol class="strip" aria-label="stages">${stages.map(
    (stage) =>
      html`<li class="status-${stage.status}" title="${stage.name}: ${statusText(stage.status)}"><span class="visually-hidden">${stage.name}: ${statusText(stage.status)}</span></li>`,
  )}</ol>`;
}
