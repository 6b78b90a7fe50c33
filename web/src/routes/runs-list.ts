/**
 * `/` and its live part `/partials/runs`: GET /api/runs with the page's
 * filters. `/?before=<run id>` shows the older runs after that one, a page at
 * a time, without live updates (those follow the newest runs only).
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import { requirePageSession, requireScriptSession } from '../session/session-middleware.js';
import {
  listUrl,
  pagerRow,
  type RunsFilter,
  runRows,
  runStatuses,
  runsPage,
  runsPageSize,
} from '../views/runs-list-view.js';
import type { WebEnv } from '../web-env.js';
import { apiData, PageError, pageUser } from './api-answers.js';

export function runsListRoutes() {
  const app = new Hono<WebEnv>();

  app.get('/', requirePageSession(), async (c) => {
    const filter = filterOf(c);
    const before = c.req.query('before')?.trim().slice(0, 255) || undefined;
    const page = await listRuns(c, filter, before).catch((error: unknown) => {
      // An older page after a run that does not exist (a link edited by hand): the newest runs instead.
      if (before !== undefined && error instanceof PageError && error.status === 404) return undefined;
      throw error;
    });
    if (!page) return c.redirect(listUrl('/', filter), 303);
    return c.html(await runsPage(pageUser(c), page.runs, { ...filter, before, next: page.next }, Date.now()));
  });

  app.get('/partials/runs', requireScriptSession(), async (c) => {
    const filter = filterOf(c);
    const { runs, next } = await listRuns(c, filter);
    return c.html(await runRows(runs, Date.now(), pagerRow({ ...filter, next })));
  });

  return app;
}

function filterOf(c: Context<WebEnv>): RunsFilter {
  const repo = c.req.query('repo')?.trim().slice(0, 4096) || undefined;
  const status = c.req.query('status');
  return { repo, status: status && runStatuses.includes(status) ? status : undefined };
}

async function listRuns(c: Context<WebEnv>, filter: RunsFilter, before?: string) {
  const query = {
    limit: runsPageSize,
    ...(filter.repo ? { repo: filter.repo } : {}),
    ...(filter.status ? { status: filter.status as 'queued' } : {}),
    ...(before ? { before } : {}),
  };
  return apiData(c.var.api.GET('/api/runs', { params: { query } }));
}
