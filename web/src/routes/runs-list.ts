/** `/` and its live part `/partials/runs`: GET /api/runs with the page's filters. */
import type { Context } from 'hono';
import { Hono } from 'hono';
import { requirePageSession, requireScriptSession } from '../session/session-middleware.js';
import { type RunsFilter, runRows, runStatuses, runsPage } from '../views/runs-list-view.js';
import type { WebEnv } from '../web-env.js';
import { apiData, pageUser } from './api-answers.js';

export function runsListRoutes() {
  const app = new Hono<WebEnv>();

  app.get('/', requirePageSession(), async (c) => {
    const filter = filterOf(c);
    const runs = await listRuns(c, filter);
    return c.html(await runsPage(pageUser(c), runs, filter, Date.now()));
  });

  app.get('/partials/runs', requireScriptSession(), async (c) => {
    return c.html(await runRows(await listRuns(c, filterOf(c)), Date.now()));
  });

  return app;
}

function filterOf(c: Context<WebEnv>): RunsFilter {
  const repo = c.req.query('repo')?.trim().slice(0, 4096) || undefined;
  const status = c.req.query('status');
  return { repo, status: status && runStatuses.includes(status) ? status : undefined };
}

async function listRuns(c: Context<WebEnv>, filter: RunsFilter) {
  const query = {
    limit: 50,
    ...(filter.repo ? { repo: filter.repo } : {}),
    ...(filter.status ? { status: filter.status as 'queued' } : {}),
  };
  return (await apiData(c.var.api.GET('/api/runs', { params: { query } }))).runs;
}
