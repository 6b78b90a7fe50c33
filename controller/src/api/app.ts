/**
 * The HTTP API. `createApp(deps)` builds the Hono app without
 * listening, so tests call `app.request(...)` in-process. Every route is
 * declared with its contract (api/contract/), served as GET /openapi.json.
 */
import { createWebApp } from '@gantry/web';
import type { Logger } from 'pino';
import type { ArtifactExchange } from '../artifacts/artifact-exchange.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import type { DiskStore } from '../artifacts/disk-store.js';
import type { ControllerMetrics } from '../metrics/controller-metrics.js';
import type { RunControl } from '../scheduler/run-control.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { SecretVault } from '../secret-store/secret-vault.js';
import type { PipelineSource } from '../source/git-source.js';
import type { Database } from '../store/database.js';
import { authenticate } from './auth.js';
import { getHealth, getPipelineSchema } from './contract/health.js';
import { createErrorHandler, errorBody } from './error-handler.js';
import { refuseNulInUrl } from './nul-characters.js';
import { serveOpenApiDocument } from './openapi.js';
import { pipelineJsonSchema } from './pipeline-schema.js';
import { assignRequestId } from './request-id.js';
import { DEFAULT_MAX_REQUEST_BYTES, limitRequestBodies } from './request-limit.js';
import { logRequests } from './request-log.js';
import { createRouter } from './router.js';
import { agentTokenRoutes } from './routes/agent-tokens.js';
import { agentRoutes } from './routes/agents.js';
import { artifactObjectRoutes } from './routes/artifact-objects.js';
import { artifactRoutes } from './routes/artifacts.js';
import { auditRoutes } from './routes/audit.js';
import { cacheRoutes } from './routes/caches.js';
import { deploymentRoutes } from './routes/deployments.js';
import { environmentRoutes } from './routes/environments.js';
import { eventRoutes } from './routes/events.js';
import { gcRoutes } from './routes/gc.js';
import { jobLogRoutes } from './routes/job-logs.js';
import { meRoutes } from './routes/me.js';
import { metricsRoutes } from './routes/metrics.js';
import { pushRoutes } from './routes/pushes.js';
import { repositoryRoutes } from './routes/repositories.js';
import { runRoutes } from './routes/runs.js';
import { secretRoutes } from './routes/secrets.js';
import { flakyTestRoutes, runTestRoutes } from './routes/tests.js';
import { tokenRoutes } from './routes/tokens.js';
import { webhookRoutes } from './routes/webhooks.js';

export interface ApiDeps {
  db: Database;
  scheduler: Scheduler;
  runControl: RunControl;
  /** Resolves a trigger's ref and sha before its run is created. */
  source: PipelineSource;
  /** The bootstrap token of the `admin` identity (GANTRY_ADMIN_TOKEN). */
  adminToken: string;
  /** Job secrets: encrypts what /api/secrets stores. */
  secrets: SecretVault;
  /** Public base URL used in links, e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  log: Logger;
  /** Liveness of the parts the controller depends on. */
  /** Larger request bodies get 413 (GANTRY_MAX_REQUEST_BYTES); default 1 MiB. */
  maxRequestBytes?: number;
  /** Serves GET /metrics and times requests; `public` lifts the token requirement. */
  metrics?: { instruments: ControllerMetrics; public: boolean };
  /** Artifact URLs for the API; `diskStore` when the controller serves the objects itself. */
  artifacts?: { exchange: ArtifactExchange; store: ArtifactStore; diskStore: DiskStore | null };
  health: () => Promise<{ ok: boolean; checks: Record<string, { ok: boolean; detail: string }> }>;
}

export function createApp(deps: ApiDeps) {
  const app = createRouter();
  app.onError(createErrorHandler(deps.log));
  app.notFound((c) =>
    c.json(errorBody('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`, undefined, c.var.requestId), 404),
  );
  app.use(assignRequestId());
  app.use(logRequests(deps.log, deps.metrics?.instruments));
  // Before any route: a NUL (%00) in the path or query would reach the database, which cannot store it.
  app.use(refuseNulInUrl());
  // Before the request-body limit: objects are streamed to disk under their own cap.
  if (deps.artifacts?.diskStore) app.route('/objects', artifactObjectRoutes(deps.artifacts.diskStore));
  app.use(limitRequestBodies(deps.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES));

  app.openapi(getHealth, async (c) => {
    const health = await deps.health();
    return c.json({ status: health.ok ? 'ok' : 'degraded', checks: health.checks }, health.ok ? 200 : 503);
  });

  app.openapi(getPipelineSchema, (c) => c.json(pipelineJsonSchema(), 200));

  if (deps.metrics) {
    const { instruments, public: isPublic } = deps.metrics;
    app.route('/metrics', metricsRoutes({ metrics: instruments, adminToken: deps.adminToken, public: isPublic }));
  }

  // Signed by the sender, not authenticated by a token: registered before the token check, which it never reaches.
  app.route('/api/hooks', webhookRoutes(deps));
  app.use('/api/*', authenticate(deps));
  app.route('/api/runs', runRoutes(deps));
  app.route('/api/runs', jobLogRoutes(deps));
  app.route('/api/runs', artifactRoutes(deps));
  app.route('/api/runs', runTestRoutes(deps));
  app.route('/api/tests', flakyTestRoutes(deps));
  app.route('/api/pushes', pushRoutes(deps));
  app.route('/api/repositories', repositoryRoutes(deps));
  app.route('/api/secrets', secretRoutes(deps));
  app.route('/api/agents', agentRoutes(deps));
  app.route('/api/agent-tokens', agentTokenRoutes(deps));
  app.route('/api/tokens', tokenRoutes(deps));
  app.route('/api/me', meRoutes(deps));
  app.route('/api/audit', auditRoutes(deps));
  app.route('/api/environments', environmentRoutes(deps));
  app.route('/api/environments', deploymentRoutes(deps));
  app.route('/api/events', eventRoutes(deps));
  app.route('/api/gc', gcRoutes(deps));
  app.route('/api/caches', cacheRoutes(deps));
  serveOpenApiDocument(app);
  // The web page, last: it calls the API above in-process with the signed-in user's token.
  app.route(
    '/',
    createWebApp({
      api: async (request, bindings) => app.fetch(request, bindings as object),
      sessionSecret: deps.adminToken,
      // Known only once the server listens (main.ts), so read when asked.
      get baseUrl() {
        return deps.baseUrl;
      },
    }),
  );
  return app;
}
