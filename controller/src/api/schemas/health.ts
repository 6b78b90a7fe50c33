/** The body of /healthz. */
import { z } from '@hono/zod-openapi';

export const HealthCheck = z
  .object({
    ok: z.boolean(),
    detail: z.string().openapi({ description: 'What was found, e.g. the error that failed the check.' }),
  })
  .openapi('HealthCheck');

export const Health = z
  .object({
    status: z.enum(['ok', 'degraded']),
    checks: z
      .record(z.string(), HealthCheck)
      .openapi({ description: 'Each part the controller depends on (database, NATS, job stream, outbox).' }),
  })
  .openapi('Health');
