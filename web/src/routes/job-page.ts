/** `/runs/:id/jobs/:jobId[?attempt=N]`: a job attempt's log page. */
import { Hono } from 'hono';
import { requirePageSession } from '../session/session-middleware.js';
import { jobLogPage } from '../views/job-log-view.js';
import type { WebEnv } from '../web-env.js';
import { apiData, PageError, pageUser } from './api-answers.js';

export function jobPageRoutes() {
  const app = new Hono<WebEnv>();

  app.get('/runs/:id/jobs/:jobId', requirePageSession(), async (c) => {
    const run = await apiData(c.var.api.GET('/api/runs/{id}', { params: { path: { id: c.req.param('id') } } }));
    const job = run.stages.flatMap((stage) => stage.jobs).find((candidate) => candidate.id === c.req.param('jobId'));
    if (!job) throw new PageError(404, `run ${run.id} has no job "${c.req.param('jobId')}"`);
    const asked = Number(c.req.query('attempt'));
    const attempt = job.attempts.some((candidate) => candidate.attempt === asked)
      ? asked
      : (job.attempts.at(-1)?.attempt ?? null);
    const steps =
      attempt === null
        ? null
        : await c.var.api.GET('/api/runs/{id}/jobs/{jobId}/steps', {
            params: { path: { id: run.id, jobId: job.id }, query: { attempt } },
          });
    const whole = c.req.query('whole') === '1';
    return c.html(
      await jobLogPage(pageUser(c), { run, job, attempt, steps: steps?.data?.steps ?? [], whole, nowMs: Date.now() }),
    );
  });

  return app;
}
