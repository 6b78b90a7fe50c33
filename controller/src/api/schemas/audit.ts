/** Bodies of /api/audit (see runs.ts for how the schemas are used). */
import { z } from '@hono/zod-openapi';
import { auditActions } from '../../domain/audit.js';

export const AuditAction = z
  .enum(auditActions, { message: `must be one of ${auditActions.join(', ')}` })
  .openapi('AuditAction', { description: '`forbidden` is a request refused for want of a role.' });

export const AuditEvent = z
  .object({
    id: z.int(),
    at: z.iso.datetime(),
    actor: z.string().openapi({ description: 'The identity that made the decision (`admin` for GANTRY_ADMIN_TOKEN).' }),
    action: AuditAction,
    runId: z.string().nullable(),
    sourceAddress: z.string().nullable().openapi({ description: "The caller's address, as the socket saw it." }),
    details: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditEvent');

export const AuditList = z
  .object({
    events: z.array(AuditEvent),
    next: z.int().nullable().openapi({
      description:
        'Pass as `before` for the next page, older events; null when this page holds the oldest matching event.',
    }),
  })
  .openapi('AuditList');
