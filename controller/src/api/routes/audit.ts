/** /api/audit (read): the audit trail, newest first, filtered by run, actor and action. */
import { Hono } from 'hono';
import { z } from 'zod';
import { auditActions } from '../../domain/audit.js';
import { listAuditEvents } from '../../store/audit-repository.js';
import type { ApiDeps } from '../app.js';
import { type AuthVariables, requireRole } from '../auth.js';
import { ApiError } from '../error-handler.js';

const auditQuery = z
  .object({
    runId: z.string().min(1).max(255).optional(),
    actor: z.string().min(1).max(64).optional(),
    action: z.enum(auditActions, { message: `action must be one of ${auditActions.join(', ')}` }).optional(),
    limit: z
      .string()
      .regex(/^[1-9]\d{0,2}$/, 'limit must be an integer from 1 to 500')
      .transform(Number)
      .refine((limit) => limit <= 500, 'limit must be an integer from 1 to 500')
      .default(100),
  })
  .strict();

export function auditRoutes(deps: ApiDeps) {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.get('/', requireRole('read'), async (c) => {
    const parsed = auditQuery.safeParse(c.req.query());
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(query)'}: ${issue.message}`);
      throw new ApiError('INVALID_INPUT', `invalid query: ${issues.join('; ')}`, issues);
    }
    const events = await listAuditEvents(deps.db, parsed.data);
    return c.json({
      events: events.map((event) => ({
        id: event.id,
        at: event.at.toISOString(),
        actor: event.actor,
        action: event.action,
        runId: event.runId,
        sourceAddress: event.sourceAddress,
        details: event.details,
      })),
    });
  });
  return app;
}
