/**
 * What the script reads with the session cookie, passed through to the API
 * with the session's token: the event stream (GET /api/events, resuming with
 * Last-Event-ID) and a job's log (GET …/log, streamed; `download=1` saves it).
 */
import { Hono } from 'hono';
import { requireScriptSession } from '../session/session-middleware.js';
import { inProcessOrigin, type WebDeps, type WebEnv } from '../web-env.js';

export function liveRoutes(deps: WebDeps) {
  const app = new Hono<WebEnv>();

  const passThrough = async (
    path: string,
    request: Request,
    bindings: unknown,
    token: string,
    extraHeaders: Record<string, string> = {},
  ) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    const lastEventId = request.headers.get('last-event-id');
    if (lastEventId) headers['last-event-id'] = lastEventId;
    const answer = await deps.api(
      new Request(new URL(path, inProcessOrigin), { headers, signal: request.signal }),
      bindings,
    );
    const passed = new Headers();
    for (const name of ['content-type', 'cache-control', 'x-accel-buffering', 'x-gantry-log-offset']) {
      const value = answer.headers.get(name);
      if (value) passed.set(name, value);
    }
    for (const [name, value] of Object.entries(extraHeaders)) passed.set(name, value);
    return new Response(answer.body, { status: answer.status, headers: passed });
  };

  app.get('/events', requireScriptSession(), (c) => {
    const query = new URL(c.req.url).search;
    return passThrough(`/api/events${query}`, c.req.raw, c.env, c.var.session?.token ?? '');
  });

  app.get('/runs/:id/jobs/:jobId/log', requireScriptSession(), (c) => {
    const url = new URL(c.req.url);
    const query = new URLSearchParams();
    for (const name of ['attempt', 'follow', 'tailBytes']) {
      const value = url.searchParams.get(name);
      if (value !== null) query.set(name, value);
    }
    const path = `/api/runs/${encodeURIComponent(c.req.param('id'))}/jobs/${encodeURIComponent(c.req.param('jobId'))}/log`;
    const download = url.searchParams.get('download') === '1';
    const fileName = `${c.req.param('jobId').replace(/[^\w.-]/g, '_')}.log`;
    return passThrough(
      `${path}${query.size > 0 ? `?${query}` : ''}`,
      c.req.raw,
      c.env,
      c.var.session?.token ?? '',
      download ? { 'content-disposition': `attachment; filename="${fileName}"` } : {},
    );
  });

  return app;
}
