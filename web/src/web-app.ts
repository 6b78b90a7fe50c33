/**
 * The web page as a Hono app the controller mounts at `/`: sign-in, the runs
 * list, a run, a job's log, the agents. Every read and action goes through
 * the controller's API in-process as the signed-in user (see WebDeps).
 */
import { Hono } from 'hono';
import { agentRoutes } from './routes/agents.js';
import { PageError, pageUser } from './routes/api-answers.js';
import { assetRoutes } from './routes/assets.js';
import { environmentRoutes } from './routes/environments.js';
import { jobPageRoutes } from './routes/job-page.js';
import { liveRoutes } from './routes/live.js';
import { loginRoutes } from './routes/login.js';
import { runPageRoutes } from './routes/run-page.js';
import { runsListRoutes } from './routes/runs-list.js';
import { securityHeaders } from './security-headers.js';
import { endSession, readSession } from './session/session-middleware.js';
import { deriveSessionKeys } from './session/session-seal.js';
import { errorPage } from './views/error-view.js';
import type { WebDeps, WebEnv } from './web-env.js';

export type { WebDeps } from './web-env.js';

export function createWebApp(deps: WebDeps) {
  const keys = deriveSessionKeys(deps.sessionSecret);
  const app = new Hono<WebEnv>();
  app.use(securityHeaders());
  app.route('/', assetRoutes());
  app.use(readSession(deps, keys));
  app.onError(async (error, c) => {
    if (!(error instanceof PageError)) throw error;
    // A revoked or expired token: sign out, and say why on the sign-in page.
    if (error.status === 401) {
      endSession(c);
      return c.redirect('/login', 303);
    }
    const status = error.status === 404 ? 404 : error.status === 403 ? 403 : 502;
    return c.html(await errorPage(pageUser(c), status, error.message), status);
  });
  app.route('/', loginRoutes(deps));
  app.route('/', liveRoutes(deps));
  app.route('/', runsListRoutes());
  app.route('/', runPageRoutes());
  app.route('/', jobPageRoutes());
  app.route('/', agentRoutes());
  app.route('/', environmentRoutes());
  return app;
}
