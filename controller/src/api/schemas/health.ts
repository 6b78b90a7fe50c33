/** The body of /healthz. */
import { z } from '@hono/zod-openapi';

export const Health = z
  .object({
    status: z.enum(['ok', 'degraded']),
    checks: z.record(z.string(), z.string()).openapi({ description: 'Each dependency and what was found.' }),
  })
  .openapi('Health');
