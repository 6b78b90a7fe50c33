/** /api/runs: trigger, list, show, cancel, retry, approve/reject (a job's log: job-logs.ts). */
import { NotFoundError } from '../../domain/errors.js';
import type { Run } from '../../domain/run.js';
import { ApprovalRefusedError, decideStage } from '../../scheduler/approvals.js';
import { createRun, findRunByIdempotencyKey, findRunDetail } from '../../store/runs-repository.js';
import type { ApiDeps } from '../app.js';
import {
  approveStage,
  cancelRun,
  getRun,
  listRuns as listRunsRoute,
  rejectStage,
  retryJob,
  triggerRun,
} from '../contract/runs.js';
import { createRouter } from '../router.js';
import { runListEntries } from '../run-list.js';
import { runDetailView, runSummaryView } from '../views.js';

export function runRoutes(deps: ApiDeps) {
  const app = createRouter();

  app.openapi(triggerRun, async (c) => {
    const body = c.req.valid('json');
    const idempotencyKey = c.req.header('idempotency-key')?.trim() || null;
    const answer = (run: Run, created: boolean) => {
      const view = runSummaryView(run, deps.baseUrl);
      return c.json({ id: view.id, status: view.status, url: view.url }, created ? 201 : 200);
    };
    // A retrigger with a used key gets its run back without touching the repository.
    const earlier = idempotencyKey ? await findRunByIdempotencyKey(deps.db, idempotencyKey) : null;
    if (earlier) return answer(earlier, false);
    // The run builds what the ref points at now (or the given sha, once it is known to be on the ref).
    const sha = await deps.source.resolveCommit(body.repo, body.ref, body.sha ?? null);
    // The run and its audit event land together or not at all.
    const { run, created } = await deps.db.transaction(async (tx) => {
      const outcome = await createRun(tx, {
        repo: body.repo,
        ref: body.ref,
        sha,
        triggeredBy: c.get('principal').name,
        idempotencyKey,
      });
      if (outcome.created) {
        const details = { repo: body.repo, ref: body.ref, sha };
        await c.var.audit({ action: 'trigger', runId: outcome.run.id, details }, tx);
      }
      return outcome;
    });
    if (created) void deps.scheduler.planRun(run.id);
    return answer(run, created);
  });

  app.openapi(listRunsRoute, async (c) => {
    return c.json({ runs: await runListEntries(deps, c.req.valid('query')) }, 200);
  });

  app.openapi(getRun, async (c) => {
    const run = await findRunDetail(deps.db, c.req.param('id'));
    if (!run) throw new NotFoundError(`run "${c.req.param('id')}" not found`);
    return c.json(runDetailView(run, deps.baseUrl), 200);
  });

  app.openapi(cancelRun, async (c) => {
    const runId = c.req.param('id');
    const { stopping } = await deps.runControl.cancelRun(runId, (tx, details) =>
      c.var.audit({ action: 'cancel', runId, details }, tx),
    );
    const run = await findRunDetail(deps.db, c.req.param('id'));
    return c.json({ stoppingJobs: stopping, run: run ? runDetailView(run, deps.baseUrl) : null }, 200);
  });

  app.openapi(retryJob, async (c) => {
    const runId = c.req.param('id');
    const jobId = c.req.param('jobId');
    await deps.runControl.retryJob(runId, jobId, (tx) =>
      c.var.audit({ action: 'retry', runId, details: { jobId } }, tx),
    );
    const run = await findRunDetail(deps.db, c.req.param('id'));
    return c.json({ run: run ? runDetailView(run, deps.baseUrl) : null }, 200);
  });

  for (const [decision, route] of [
    ['approve', approveStage],
    ['reject', rejectStage],
  ] as const) {
    app.openapi(route, async (c) => {
      const body = c.req.valid('json');
      const runId = c.req.param('id');
      const stageName = c.req.param('stage');
      const comment = body.comment ?? null;
      const approval = await decideStage(deps.db, deps.scheduler, {
        runId,
        stageName,
        principal: c.get('principal'),
        comment,
        decision: decision === 'approve' ? 'approved' : 'rejected',
        audit: (tx, recorded) =>
          c.var.audit(
            { action: decision, runId, details: { stage: stageName, comment: recorded.comment, sha: recorded.sha } },
            tx,
          ),
      }).catch(async (error: unknown) => {
        if (error instanceof ApprovalRefusedError) {
          const details = { stage: stageName, decision, comment, reason: error.message };
          await c.var.audit({ action: 'approval_refused', runId, details });
        }
        throw error;
      });
      const run = await findRunDetail(deps.db, c.req.param('id'));
      const stage = run?.stages.find((candidate) => candidate.name === c.req.param('stage'));
      return c.json(
        {
          decision: approval.decision,
          approver: approval.approver,
          stage: { name: c.req.param('stage'), status: stage?.status ?? null },
          run: run ? runDetailView(run, deps.baseUrl) : null,
        },
        200,
      );
    });
  }

  return app;
}
