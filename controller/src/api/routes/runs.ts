/** /api/runs: trigger, list, show, cancel, retry, approve/reject (a job's log: job-logs.ts). */
import { NotFoundError } from '../../domain/errors.js';
import { ApprovalRefusedError, decideStage } from '../../scheduler/approvals.js';
import { cacheReportsOfRun } from '../../store/caches-repository.js';
import { findRunDetail } from '../../store/runs-repository.js';
import { startRun } from '../../triggers/start-run.js';
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
import { runListPage } from '../run-list.js';
import { runDetailView, runSummaryView } from '../views.js';

export function runRoutes(deps: ApiDeps) {
  const app = createRouter();

  app.openapi(triggerRun, async (c) => {
    const body = c.req.valid('json');
    const idempotencyKey = c.req.header('idempotency-key')?.trim() || null;
    const outcome = await startRun(deps, body, {
      idempotencyKey,
      actor: c.get('principal').name,
      audit: (event, tx) => c.var.audit(event, tx),
    });
    // Only a push can be skipped, and this route triggers by hand.
    if ('skipped' in outcome) throw new Error(`a run triggered by hand was skipped: ${outcome.skipped}`);
    const view = runSummaryView(outcome.run, deps.baseUrl);
    return c.json({ id: view.id, status: view.status, url: view.url }, outcome.created ? 201 : 200);
  });

  app.openapi(listRunsRoute, async (c) => {
    return c.json(await runListPage(deps, c.req.valid('query')), 200);
  });

  app.openapi(getRun, async (c) => {
    const run = await findRunDetail(deps.db, c.req.param('id'));
    if (!run) throw new NotFoundError(`run "${c.req.param('id')}" not found`);
    return c.json(runDetailView(run, deps.baseUrl, await cacheReportsOfRun(deps.db, run.id)), 200);
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
            {
              action: decision,
              runId,
              details: {
                stage: stageName,
                comment: recorded.comment,
                sha: recorded.sha,
                artifacts: recorded.artifacts,
              },
            },
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
