/** GET /api/audit as the OpenAPI document describes it; routes/audit.ts is its handler. */
import { createRoute, z } from '@hono/zod-openapi';
import { AuditAction, AuditList } from '../schemas/audit.js';
import { errorResponses } from '../schemas/errors.js';
import { needsRole } from './role.js';

const limitBounds = 'must be an integer from 1 to 500';
const beforeBounds = 'must be an event id, a positive integer';

export const listAuditEvents = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listAuditEvents',
  summary: 'The audit trail, newest first, a page at a time: every decision made through the API and every refusal',
  tags: ['identities'],
  security: [{ bearerAuth: [] }],
  ...needsRole('read'),
  request: {
    query: z
      .object({
        runId: z.string().min(1).max(255).optional().openapi({ description: 'Only the events of this run.' }),
        actor: z.string().min(1).max(64).optional().openapi({ description: 'Only the events of this identity.' }),
        action: AuditAction.optional(),
        before: z.coerce
          .number({ error: beforeBounds })
          .int({ error: beforeBounds })
          .min(1, { error: beforeBounds })
          .max(Number.MAX_SAFE_INTEGER, { error: beforeBounds })
          .optional()
          .openapi({ description: 'Only events older than this event id (the `next` of the page before).' }),
        limit: z.coerce
          .number({ error: limitBounds })
          .int({ error: limitBounds })
          .min(1, { error: limitBounds })
          .max(500, { error: limitBounds })
          .default(100)
          .openapi({ description: 'How many events, 1 to 500.' }),
      })
      .strict(),
  },
  responses: {
    200: { description: 'The events.', content: { 'application/json': { schema: AuditList } } },
    ...errorResponses(400, 403),
  },
});
