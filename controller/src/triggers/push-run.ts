/**
 * A push, however it was reported (the post-receive hook, a hosting
 * webhook): a deleted ref starts nothing; otherwise the run of `after` on
 * `ref`, subject to the pipeline's `on:` (start-run.ts).
 */
import { type StartRunContext, type StartRunDeps, startRun, type TriggerOutcome } from './start-run.js';

export interface Push {
  repo: string;
  /** In full: `refs/heads/main`, `refs/tags/v1`. */
  ref: string;
  /** All zeros when the push created the ref. */
  before: string;
  /** All zeros when the push deleted the ref. */
  after: string;
}

export function isZeroCommit(sha: string): boolean {
  return /^0+$/.test(sha);
}

export async function startPushRun(deps: StartRunDeps, push: Push, context: StartRunContext): Promise<TriggerOutcome> {
  if (isZeroCommit(push.after)) return { skipped: `${push.ref} was deleted; a deletion starts no run` };
  return startRun(
    deps,
    {
      repo: push.repo,
      ref: push.ref,
      sha: push.after,
      push: { before: isZeroCommit(push.before) ? null : push.before },
    },
    context,
  );
}
