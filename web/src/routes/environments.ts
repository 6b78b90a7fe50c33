/**
 * `/environments` and its rollback form (POST /api/environments/:name/rollback
 * as the signed-in user; the API checks the role and the run). A rollback
 * goes to the run's page, where its gate waits for approval.
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { requireCsrf, requirePageSession } from '../session/session-middleware.js';
import { type EnvironmentColumn, environmentsPage, orderEnvironments } from '../views/environments-view.js';
import type { WebEnv } from '../web-env.js';
import { apiData, apiMessage, pageUser } from './api-answers.js';

/** Deployments shown per environment. */
const historyLength = 10;

export function environmentRoutes() {
  const app = new Hono<WebEnv>();

  const show = async (
    c: Context<WebEnv>,
    flash: { error?: string; info?: string },
    status: ContentfulStatusCode = 200,
  ) => {
    const user = pageUser(c);
    if (!user) return c.redirect('/login', 303);
    const { live } = await apiData(c.var.api.GET('/api/environments'));
    const names = orderEnvironments(live.map((deployment) => deployment.environment));
    const columns: EnvironmentColumn[] = await Promise.all(
      names.map(async (name) => {
        const { deployments } = await apiData(
          c.var.api.GET('/api/environments/{name}/deployments', {
            params: { path: { name }, query: { limit: historyLength } },
          }),
        );
        return { name, live: live.find((deployment) => deployment.environment === name) ?? null, history: deployments };
      }),
    );
    return c.html(await environmentsPage(user, columns, flash), status);
  };

  app.get('/environments', requirePageSession(), (c) => show(c, {}));

  app.post('/environments/:name/rollback', requirePageSession(), requireCsrf(), async (c) => {
    const form = await c.req.parseBody();
    const runId = typeof form.runId === 'string' ? form.runId : '';
    const answer = await c.var.api.POST('/api/environments/{name}/rollback', {
      params: { path: { name: c.req.param('name') } },
      body: { runId },
    });
    if (answer.response.ok) return c.redirect(`/runs/${encodeURIComponent(runId)}`, 303);
    const refused = answer.response.status;
    const status = (refused >= 400 && refused < 500 ? refused : 502) as ContentfulStatusCode;
    return show(c, { error: `Not rolled back: ${apiMessage(answer)}` }, status);
  });

  return app;
}
