/** What waits for the reader: a stage at its gate, with the commit, the decisions so far and Approve/Reject. */
import type { RunDetail, Stage } from '@gantry/client';
import { html } from 'hono/html';
import { shortSha } from './format.js';
import type { Html } from './layout.js';
import { approvedCount } from './pipeline-graph.js';

export function approvalPanels(run: RunDetail, csrf: string): Html {
  const waiting = run.stages.filter((stage) => stage.status === 'awaiting_approval');
  return html`<div id="approvals">${waiting.map((stage) => panel(run, stage, csrf))}</div>`;
}

function panel(run: RunDetail, stage: Stage, csrf: string): Html {
  const approval = stage.approval;
  const action = `/runs/${encodeURIComponent(run.id)}/stages/${encodeURIComponent(stage.name)}`;
  const approvers =
    approval && approval.approvers.length > 0 ? approval.approvers.join(', ') : 'anyone with the approve role';
  return html`<section class="approval" aria-labelledby="gate-${stage.name}" data-gate="${stage.name}">
  <h2 id="gate-${stage.name}">Stage “${stage.name}” waits for approval</h2>
  <dl class="facts">
    <dt>Commit</dt><dd><code>${shortSha(run.sha)}</code> ${run.commitSubject ?? ''}${run.commitAuthor ? html` <span class="muted">by ${run.commitAuthor}</span>` : ''}</dd>
    ${stage.environment ? html`<dt>Environment</dt><dd>${stage.environment}</dd>` : ''}
    <dt>Approved</dt><dd>${approvedCount(stage)} of ${approval?.required ?? 1} required</dd>
    <dt>Approvers</dt><dd>${approvers}</dd>
  </dl>
  ${
    approval && approval.decisions.length > 0
      ? html`<ul class="decisions">${approval.decisions.map(
          (decision) =>
            html`<li>${decision.approver} ${decision.decision}${decision.comment ? html`: “${decision.comment}”` : ''}</li>`,
        )}</ul>`
      : ''
  }
  <form method="post" action="${action}/decide" class="decide">
    <input type="hidden" name="_csrf" value="${csrf}">
    <label for="comment-${stage.name}">Comment</label>
    <textarea id="comment-${stage.name}" name="comment" maxlength="4000" rows="2"></textarea>
    <div class="buttons">
      <button type="submit" name="decision" value="approve" class="approve">Approve</button>
      <button type="submit" name="decision" value="reject" class="reject">Reject</button>
    </div>
  </form>
</section>`;
}
