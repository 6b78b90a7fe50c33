/** GET /metrics as the OpenAPI document describes it; routes/metrics.ts is its handler. */
import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../schemas/errors.js';

export const getMetrics = createRoute({
  method: 'get',
  path: '/',
  operationId: 'getMetrics',
  summary: 'Prometheus metrics in the text exposition format',
  description: 'Needs the admin token unless the controller runs with GANTRY_METRICS_PUBLIC=1.',
  tags: ['health'],
  security: [{ bearerAuth: [] }, {}],
  responses: {
    200: { description: 'The metrics.', content: { 'text/plain': { schema: z.string() } } },
    ...errorResponses(),
  },
});
