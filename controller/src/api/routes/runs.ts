/** /api/runs: trigger, list, show, cancel, retry, approve/reject (a job's log: job-logs.ts). */
import { Hono } from 'hono';
import { z } from 'zod';
import { NotFoundError } from '../../domain/errors.js';
import type { Run } from '../../domain/run.js';
import { decideStage } from '../../scheduler/approvals.js';
import { createRun, findRunByIdempotencyKey, findRunDetail, listRuns } from '../../store/runs-repository.js';
import type { ApiDeps } from '../app.js';
import { type AuthVariables, requireRole } from '../auth.js';
import { ApiError } from '../error-handler.js';
import { readJsonBody } from '../json-body.js';
import { runDetailView, runSummaryView } from '../views.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const printable = /^[^\u0000-\u001f\u007f]*$/;

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what is refused (Postgres cannot store it in text)
const printableText = /^[^\u0000]*$/;

const triggerBody = z
  .object({
    repo: z
      .string()
      .trim()
      .min(1, 'repo is required: a git URL or a path on the controller host')
      .max(4096)
      .regex(printable, 'repo must not contain control characters'),
    ref: z.string().trim().min(1).max(255).regex(printable, 'ref must not contain control characters').default('HEAD'),
    sha: z
      .string()
      .regex(/^[0-9a-f]{7,64}$/i, 'sha must be a hex commit id')
      .optional(),
  })
  .strict();

const decisionBody = z
  .object({ comment: z.string().max(4000).regex(printableText, 'comment must not contain NUL characters').optional() })
  .strict();

export function runRoutes(deps: ApiDeps) {
  const app = new Hono<{ Variables: AuthVariables }>();

  app.post('/', requireRole('trigger'), async (c) => {
    const body = await readJsonBody(c, triggerBody);
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

  app.get('/', requireRole('read'), async (c) => {
    const limit = Number(c.req.query('limit') ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw new ApiError('INVALID_INPUT', `limit must be an integer from 1 to 500, got "${c.req.query('limit')}"`);
    }
    const runs = await listRuns(deps.db, { limit });
    return c.json({ runs: runs.map((run) => runSummaryView(run, deps.baseUrl)) });
  });

  app.get('/:id', requireRole('read'), async (c) => {
    const run = await findRunDetail(deps.db, c.req.param('id'));
    if (!run) throw new NotFoundError(`run "${c.req.param('id')}" not found`);
    return c.json(runDetailView(run, deps.baseUrl));
  });

  app.post('/:id/cancel', requireRole('trigger'), async (c) => {
    const { stopping } = await deps.runControl.cancelRun(c.req.param('id'));
    await c.var.audit({ action: 'cancel', runId: c.req.param('id'), details: { stoppingJobs: stopping } });
    const run = await findRunDetail(deps.db, c.req.param('id'));
    return c.json({ stoppingJobs: stopping, run: run ? runDetailView(run, deps.baseUrl) : null });
  });

  app.post('/:id/jobs/:jobId/retry', requireRole('trigger'), async (c) => {
    await deps.runControl.retryJob(c.req.param('id'), c.req.param('jobId'));
    await c.var.audit({ action: 'retry', runId: c.req.param('id'), details: { jobId: c.req.param('jobId') } });
    const run = await findRunDetail(deps.db, c.req.param('id'));
    return c.json({ run: run ? runDetailView(run, deps.baseUrl) : null });
  });

  for (const decision of ['approve', 'reject'] as const) {
    app.post(`/:id/stages/:stage/${decision}`, requireRole('approve'), async (c) => {
      const body = await readJsonBody(c, decisionBody, true);
      const approval = await decideStage(deps.db, deps.scheduler, {
        runId: c.req.param('id'),
        stageName: c.req.param('stage'),
        approver: c.get('principal').name,
        comment: body.comment ?? null,
        decision: decision === 'approve' ? 'approved' : 'rejected',
      });
      await c.var.audit({
        action: decision,
        runId: c.req.param('id'),
        details: { stage: c.req.param('stage'), comment: approval.comment, sha: approval.sha },
      });
      const run = await findRunDetail(deps.db, c.req.param('id'));
      const stage = run?.stages.find((candidate) => candidate.name === c.req.param('stage'));
      return c.json({
        decision: approval.decision,
        approver: approval.approver,
        stage: { name: c.req.param('stage'), status: stage?.status ?? null },
        run: run ? runDetailView(run, deps.baseUrl) : null,
      });
    });
  }

  return app;
}
