/** What waits for the reader: a stage at its gate, with the commit, the decisions so far and Approve/Reject. */
import type { ReleaseChanges, RunDetail, Stage } from '@gantry/client';
import { html } from 'hono/html';
import { shortSha } from './format.js';
import type { Html } from './layout.js';
import { approvedCount } from './pipeline-graph.js';

export function approvalPanels(run: RunDetail, csrf: string, changes: Map<string, ReleaseChanges> = new Map()): Html {
  const waiting = run.stages.filter((stage) => stage.status === 'awaiting_approval');
  return html`<div id="approvals">${waiting.map((stage) => panel(run, stage, csrf, changes.get(stage.name)))}</div>`;
}

function panel(run: RunDetail, stage: Stage, csrf: string, changes: ReleaseChanges | undefined): Html {
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
  ${changes ? releaseChanges(changes) : ''}
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

/** What approving would change in the stage's environment: commits and artifacts whose digests differ. */
function releaseChanges(changes: ReleaseChanges): Html {
  if (changes.live === null) {
    return html`<p class="what-changes muted">Nothing is live in ${changes.environment} yet.</p>`;
  }
  const { added, removed, known, truncated } = changes.commits;
  const commitList = (commits: ReleaseChanges['commits']['added']) =>
    html`<ul>${commits.map((commit) => html`<li><code>${shortSha(commit.sha)}</code> ${commit.subject} <span class="muted">${commit.author}</span></li>`)}</ul>`;
  return html`<div class="what-changes" data-environment="${changes.environment}">
  <h3>What changes in ${changes.environment}</h3>
  <p class="muted">Live now: <code>${shortSha(changes.live.sha)}</code> from run ${changes.live.runId}</p>
  ${known ? '' : html`<p class="muted">git could not compare the two commits.</p>`}
  ${added.length > 0 ? html`<p>${added.length}${truncated ? '+' : ''} new commit(s):</p>${commitList(added)}` : ''}
  ${removed.length > 0 ? html`<p>${removed.length}${truncated ? '+' : ''} commit(s) taken out:</p>${commitList(removed)}` : ''}
  ${
    changes.artifacts.length === 0
      ? html`<p class="muted">Same artifacts as live.</p>`
      : html`<ul class="changed-artifacts">${changes.artifacts.map(
          (artifact) =>
            html`<li><code>${artifact.path}</code> from ${artifact.job}: <code>${artifact.liveSha256?.slice(0, 12) ?? 'none'}</code> → <code>${artifact.candidateSha256?.slice(0, 12) ?? 'none'}</code></li>`,
        )}</ul>`
  }
</div>`;
}
