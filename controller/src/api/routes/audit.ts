/** /api/audit (read): the audit trail, newest first, filtered by run, actor and action, a page at a time. */
import { listAuditEvents } from '../../store/audit-repository.js';
import type { ApiDeps } from '../app.js';
import { listAuditEvents as listAuditEventsRoute } from '../contract/audit.js';
import { createRouter } from '../router.js';

export function auditRoutes(deps: ApiDeps) {
  const app = createRouter();
  app.openapi(listAuditEventsRoute, async (c) => {
    const query = c.req.valid('query');
    // One more than the page: whether an older event exists.
    const found = await listAuditEvents(deps.db, { ...query, limit: query.limit + 1 });
    const events = found.slice(0, query.limit);
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
        next: found.length > query.limit ? (events.at(-1)?.id ?? null) : null,
      },
      200,
    );
  });
  return app;
}
