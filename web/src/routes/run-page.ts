/**
 * `/runs/:id`, its live part, and the approval form. A decision is a plain
 * form post to the API's approve/reject route as the signed-in user; a
 * refusal (self-approval, missing role, not waiting any more) comes back as
 * the run page with the API's reason in words.
 */
import type { ReleaseChanges } from '@gantry/client';
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { requireCsrf, requirePageSession, requireScriptSession } from '../session/session-middleware.js';
import { type RunPageData, runLive, runPage } from '../views/run-view.js';
import type { WebEnv } from '../web-env.js';
import { apiData, apiMessage, pageUser } from './api-answers.js';

export function runPageRoutes() {
  const app = new Hono<WebEnv>();

  app.get('/runs/:id', requirePageSession(), async (c) => {
    const decided = c.req.query('decided');
    const info = decided === 'approve' ? 'Approved.' : decided === 'reject' ? 'Rejected.' : undefined;
    return c.html(await runPage(pageUser(c), await runData(c), info ? { info } : {}));
  });

  app.get('/partials/runs/:id', requireScriptSession(), async (c) => c.html(await runLive(await runData(c))));

  app.post('/runs/:id/stages/:stage/decide', requirePageSession(), requireCsrf(), async (c) => {
    const form = await c.req.parseBody();
    const decision = form.decision === 'reject' ? 'reject' : 'approve';
    const comment = typeof form.comment === 'string' ? form.comment.trim() : '';
    const params = { path: { id: c.req.param('id'), stage: c.req.param('stage') } };
    const body = comment === '' ? {} : { comment };
    const answer =
      decision === 'approve'
        ? await c.var.api.POST('/api/runs/{id}/stages/{stage}/approve', { params, body })
        : await c.var.api.POST('/api/runs/{id}/stages/{stage}/reject', { params, body });
    if (answer.response.ok) {
      return c.redirect(`/runs/${encodeURIComponent(c.req.param('id'))}?decided=${decision}`, 303);
    }
    const refused = answer.response.status;
    const status = (refused >= 400 && refused < 500 ? refused : 502) as ContentfulStatusCode;
    const refusal = `Not ${decision === 'approve' ? 'approved' : 'rejected'}: ${apiMessage(answer)}`;
    return c.html(await runPage(pageUser(c), await runData(c), { error: refusal }), status);
  });

  return app;
}

async function runData(c: Context<WebEnv>): Promise<RunPageData> {
  const id = c.req.param('id') ?? '';
  const [run, agents, tests] = await Promise.all([
    apiData(c.var.api.GET('/api/runs/{id}', { params: { path: { id } } })),
    c.var.api.GET('/api/agents'),
    c.var.api.GET('/api/runs/{id}/tests', { params: { path: { id }, query: { limit: 200 } } }),
  ]);
  // Agent names label the timeline; without them (an error), ids do.
  const agentNames = new Map((agents.data?.agents ?? []).map((agent) => [agent.id, agent.name]));
  const changes = new Map<string, ReleaseChanges>();
  for (const stage of run.stages) {
    if (stage.status !== 'awaiting_approval' || !stage.environment) continue;
    const answer = await c.var.api.GET('/api/environments/{name}/changes', {
      params: { path: { name: stage.environment }, query: { runId: run.id } },
    });
    if (answer.data) changes.set(stage.name, answer.data as ReleaseChanges);
  }
  return { run, agentNames, csrf: c.var.csrf, nowMs: Date.now(), tests: tests.data ?? null, changes };
}
