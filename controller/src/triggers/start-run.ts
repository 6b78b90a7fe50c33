/**
 * Starting a run, shared by `POST /api/runs` and the push webhook: honours
 * the `Idempotency-Key` (the same key and request → the same run; the same
 * key and another request → IdempotencyKeyReusedError), resolves the ref to
 * a commit, creates the run with its audit event in one transaction, and
 * hands it to planning.
 */
import { createHash } from 'node:crypto';
import type { Run } from '../domain/run.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { PipelineSource } from '../source/git-source.js';
import type { Database, Queryable } from '../store/database.js';
import { createRun, findRunByIdempotencyKey } from '../store/runs-repository.js';

export interface TriggerRequest {
  repo: string;
  ref: string;
  /** Build this commit (it must be on `ref`) instead of the ref's head. */
  sha?: string | undefined;
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

export type TriggerOutcome = { run: Run; created: boolean };

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
  // The run builds what the ref points at now (or the given sha, once it is known to be on the ref).
  const sha = await deps.source.resolveCommit(request.repo, request.ref, request.sha ?? null);
  const fullRef = await deps.source.qualifyRef(request.repo, request.ref);
  const outcome = await deps.db.transaction(async (tx) => {
    const created = await createRun(tx, {
      repo: request.repo,
      ref: request.ref,
      fullRef,
      sha,
      triggeredBy: context.actor,
      idempotencyKey,
      idempotencyFingerprint: fingerprint,
    });
    if (created.created) {
      const details = { repo: request.repo, ref: request.ref, sha };
      await context.audit({ action: 'trigger', runId: created.run.id, details }, tx);
    }
    return created;
  });
  if (outcome.created) void deps.scheduler.planRun(outcome.run.id);
  return outcome;
}

/** What a request asked for, as one hash: the same key must always ask for the same thing. */
function fingerprintOf(request: TriggerRequest): string {
  return createHash('sha256')
    .update(JSON.stringify([request.repo, request.ref, request.sha ?? null]))
    .digest('hex');
}
