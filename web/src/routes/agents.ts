/** `/agents` and its Drain form (POST /api/agents/:id/drain as the signed-in user: admins only, as in the API). */
import type { Context } from 'hono';
import { Hono } from 'hono';
import { requireCsrf, requirePageSession } from '../session/session-middleware.js';
import { agentsPage } from '../views/agents-view.js';
import type { WebEnv } from '../web-env.js';
import { apiData, apiMessage, pageUser } from './api-answers.js';

export function agentRoutes() {
  const app = new Hono<WebEnv>();

  const show = async (c: Context<WebEnv>, flash: { error?: string; info?: string }, status: 200 | 403 | 404 = 200) => {
    const { agents } = await apiData(c.var.api.GET('/api/agents'));
    const user = pageUser(c);
    if (!user) return c.redirect('/login', 303);
    return c.html(await agentsPage(user, agents, flash), status);
  };

  app.get('/agents', requirePageSession(), (c) => show(c, c.req.query('drained') ? { info: 'Draining.' } : {}));

  app.post('/agents/:id/drain', requirePageSession(), requireCsrf(), async (c) => {
    const answer = await c.var.api.POST('/api/agents/{id}/drain', { params: { path: { id: c.req.param('id') } } });
    if (answer.response.ok) return c.redirect('/agents?drained=1', 303);
    return show(c, { error: `Not drained: ${apiMessage(answer)}` }, answer.response.status === 404 ? 404 : 403);
  });

  return app;
}
