/**
 * The HTTP API (DESIGN.md §7). `createApp(deps)` builds the Hono app without
 * listening, so tests call `app.request(...)` in-process.
 */
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { RunControl } from '../scheduler/run-control.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { Database } from '../store/database.js';
import { type AuthVariables, requireToken } from './auth.js';
import { createErrorHandler, errorBody } from './error-handler.js';
import { agentRoutes } from './routes/agents.js';
import { jobLogRoutes } from './routes/job-logs.js';
import { runRoutes } from './routes/runs.js';

export interface ApiDeps {
  db: Database;
  scheduler: Scheduler;
  runControl: RunControl;
  adminToken: string;
  /** Public base URL used in links, e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  log: Logger;
  /** Liveness of the parts the controller depends on. */
  health: () => Promise<{ ok: boolean; checks: Record<string, string> }>;
}

export function createApp(deps: ApiDeps) {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.onError(createErrorHandler(deps.log));
  app.notFound((c) => c.json(errorBody('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`), 404));

  app.get('/healthz', async (c) => {
    const health = await deps.health();
    return c.json({ status: health.ok ? 'ok' : 'degraded', checks: health.checks }, health.ok ? 200 : 503);
  });

  app.use('/api/*', requireToken(deps.adminToken));
  app.route('/api/runs', runRoutes(deps));
  app.route('/api/runs', jobLogRoutes(deps));
  app.route('/api/agents', agentRoutes(deps));
  return app;
}
