/**
 * GET /metrics: the Prometheus text exposition. Requires the admin bearer
 * token (as Prometheus' `authorization` scrape setting sends it) unless the
 * controller runs with GANTRY_METRICS_PUBLIC=1.
 */
import type { ControllerMetrics } from '../../metrics/controller-metrics.js';
import { requireToken } from '../auth.js';
import { getMetrics } from '../contract/metrics.js';
import { createRouter } from '../router.js';

export function metricsRoutes(options: { metrics: ControllerMetrics; adminToken: string; public: boolean }) {
  const app = createRouter();
  if (!options.public) app.use('/', requireToken(options.adminToken));
  app.openapi(getMetrics, async (c) => {
    const { body, contentType } = await options.metrics.scrape();
    return c.text(body, 200, { 'content-type': contentType });
  });
  return app;
}
