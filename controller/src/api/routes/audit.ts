/** /api/audit (read): the audit trail, newest first, filtered by run, actor and action, a page at a time. */
import { listAuditEvents } from '../../store/audit-repository.js';
import type { ApiDeps } from '../app.js';
import { listAuditEvents as listAuditEventsRoute } from '../contract/audit.js';
import { pageOf } from '../list-page.js';
import { createRouter } from '../router.js';

export function auditRoutes(deps: ApiDeps) {
  const app = createRouter();
  app.openapi(listAuditEventsRoute, async (c) => {
    const query = c.req.valid('query');
    // One more than the page: whether an older event exists.
    const found = await listAuditEvents(deps.db, { ...query, limit: query.limit + 1 });
    const { page: events, next } = pageOf(found, query.limit, (event) => event.id);
    return c.json(
      {
        events: events.map((event) => ({
          id: event.id,
          at: event.at.toISOString(),
          actor: event.actor,
          action: event.action,
          runId: event.runId,
          sourceAddress: event.sourceAddress,
          details: event.details,
        })),
        next,
      },
      200,
    );
  });
  return app;
}
