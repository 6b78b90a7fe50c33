/**
 * GET /metrics: the Prometheus text exposition. Requires the admin bearer
 * token (as Prometheus' `authorization` scrape setting sends it) unless the
 * controller runs with GANTRY_METRICS_PUBLIC=1.
 */
import { Hono } from 'hono';
import type { ControllerMetrics } from '../../metrics/controller-metrics.js';
import { type AuthVariables, requireToken } from '../auth.js';

export function metricsRoutes(options: { metrics: ControllerMetrics; adminToken: string; public: boolean }) {
  const app = new Hono<{ Variables: AuthVariables }>();
  if (!options.public) app.use('/', requireToken(options.adminToken));
  app.get('/', async (c) => {
    const { body, contentType } = await options.metrics.scrape();
    return c.body(body, 200, { 'content-type': contentType });
  });
  return app;
}
