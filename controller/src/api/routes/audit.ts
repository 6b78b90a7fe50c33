/** /api/audit (read): the audit trail, newest first, filtered by run, actor and action. */
import { listAuditEvents } from '../../store/audit-repository.js';
import type { ApiDeps } from '../app.js';
import { listAuditEvents as listAuditEventsRoute } from '../contract/audit.js';
import { createRouter } from '../router.js';

export function auditRoutes(deps: ApiDeps) {
  const app = createRouter();
  app.openapi(listAuditEventsRoute, async (c) => {
    const events = await listAuditEvents(deps.db, c.req.valid('query'));
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
      },
      200,
    );
  });
  return app;
}
