/**
 * Starting a run, shared by `POST /api/runs` and the push webhook: honours
 * the `Idempotency-Key` (the same key and request → the same run; the same
 * key and another request → IdempotencyKeyReusedError), resolves the ref to
 * a commit, creates the run with its audit event in one transaction, and
 * hands it to planning.
 */
import { createHash } from 'node:crypto';
import { refKindOf } from '../domain/ref-kind.js';
import type { Run } from '../domain/run.js';
import type { ParseResult } from '../pipeline/index.js';
import { PLANNING_CLAIM_MS } from '../scheduler/planning-claim.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { type PipelineSource, SourceError } from '../source/git-source.js';
import type { Database, Queryable } from '../store/database.js';
import { createRun, findRunByIdempotencyKey } from '../store/runs-repository.js';
import { pushFilterRefusal } from './push-filter.js';

export interface TriggerRequest {
  repo: string;
  ref: string;
  /** Build this commit (it must be on `ref`) instead of the ref's head. */
  sha?: string | undefined;
  /**
   * Set when a push triggers (the hook, the webhook): the pipeline's `on:`
   * decides whether it starts a run. `before` is the ref's previous commit
   * (for `on.push.paths`), null when the push created the ref.
   */
  push?: { before: string | null } | undefined;
}

export interface StartRunDeps {
  db: Database;
  source: PipelineSource;
  scheduler: Scheduler;
}

export interface StartRunContext {
  idempotencyKey: string | null;
  /** Who triggers: the run's `triggeredBy`. */
  actor: string;
  /** Writes the `trigger` audit event inside the transaction that creates the run. */
  audit: (
    event: { action: 'trigger'; runId: string; details: Record<string, unknown> },
    tx: Queryable,
  ) => Promise<void>;
}

/** A run (new, or the one the idempotency key made earlier), or why a push started none. */
export type TriggerOutcome = { run: Run; created: boolean } | { skipped: string };

export async function startRun(
  deps: StartRunDeps,
  request: TriggerRequest,
  context: StartRunContext,
): Promise<TriggerOutcome> {
  const { idempotencyKey } = context;
  const fingerprint = idempotencyKey === null ? null : fingerprintOf(request);
  // A retrigger with a used key gets its run back without touching the repository.
  const earlier = idempotencyKey ? await findRunByIdempotencyKey(deps.db, idempotencyKey, fingerprint) : null;
  if (earlier) return { run: earlier, created: false };
  // The run builds what the ref points at now (or the given sha, once it is known to be on the ref), the
  // ref qualified once: a name that is both a branch and a tag is refused, the commit is the qualified ref's.
  const { sha, fullRef } = await deps.source.resolveRef(request.repo, request.ref, request.sha ?? null);
  if (request.push) {
    const refusal = await pushRefusal(deps, request, sha, fullRef, request.push.before);
    if (refusal !== null) return { skipped: refusal };
  }
  const outcome = await deps.db.transaction(async (tx) => {
    const created = await createRun(
      tx,
      {
        repo: request.repo,
        ref: request.ref,
        fullRef,
        sha,
        triggeredBy: context.actor,
        idempotencyKey,
        idempotencyFingerprint: fingerprint,
      },
      // Planned right below, by this replica.
      { planningClaimMs: PLANNING_CLAIM_MS },
    );
    if (created.created) {
      const details = { repo: request.repo, ref: request.ref, sha };
      await context.audit({ action: 'trigger', runId: created.run.id, details }, tx);
    }
    return created;
  });
  // The run as just written: planning need not read it back.
  if (outcome.created) void deps.scheduler.planRun(outcome.run.id, outcome.run);
  return outcome;
}

/**
 * Why the pipeline's `on:` at `sha` refuses this push, or null. A commit
 * whose pipeline file is missing or invalid is not filtered: its run fails
 * with the reason, which the pusher should see.
 */
async function pushRefusal(
  { source, scheduler }: StartRunDeps,
  request: TriggerRequest,
  sha: string,
  fullRef: string | null,
  before: string | null,
): Promise<string | null> {
  let parsed: ParseResult;
  try {
    parsed = scheduler.parsePipelineFile((await source.readPipelineFile(request.repo, sha)).text);
  } catch (error) {
    if (error instanceof SourceError) return null;
    throw error;
  }
  if (!parsed.ok) return null;
  const ref = refKindOf(fullRef, request.ref);
  const paths = parsed.pipeline.on?.paths ?? null;
  const changed =
    paths !== null && before !== null && ref?.kind === 'branch'
      ? await source.changedPaths(request.repo, before, sha)
      : null;
  return pushFilterRefusal(parsed.pipeline.on, ref, changed);
}

/** What a request asked for, as one hash: the same key must always ask for the same thing. */
function fingerprintOf(request: TriggerRequest): string {
  return createHash('sha256')
    .update(JSON.stringify([request.repo, request.ref, request.sha ?? null, request.push?.before ?? null]))
    .digest('hex');
}
