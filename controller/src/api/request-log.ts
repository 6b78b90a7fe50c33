/**
 * Logs each HTTP request once, when its answer is ready, and observes its
 * duration: constant message, data in fields. 4xx and 5xx log at info, the
 * rest at debug. The route is the matched pattern (`/api/runs/:id`), or
 * `unmatched` for a 404 no route took, so the metric's labels stay bounded.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Logger } from 'pino';
import type { ControllerMetrics } from '../metrics/controller-metrics.js';
import type { RequestIdVariables } from './request-id.js';

export function logRequests(
  log: Logger,
  metrics: ControllerMetrics | undefined,
): MiddlewareHandler<{ Variables: RequestIdVariables }> {
  return async (c, next) => {
    const startedAt = performance.now();
    await next();
    const durationMs = performance.now() - startedAt;
    const { method } = c.req;
    const route = routePattern(c);
    const status = c.res.status;
    metrics?.httpRequestServed({ method, route, status }, durationMs / 1000);
    log[status >= 400 ? 'info' : 'debug'](
      { requestId: c.var.requestId, method, route, path: c.req.path, status, durationMs: Math.round(durationMs) },
      'http request',
    );
  };
}

/** The pattern of the handler the request was routed to (middleware is registered for method ALL). */
function routePattern(c: Context): string {
  const handlers = matchedRoutes(c).filter((route) => route.method !== 'ALL');
  return handlers.at(-1)?.path ?? 'unmatched';
}
