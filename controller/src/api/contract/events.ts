/** GET /api/events as the OpenAPI document describes it; routes/events.ts is its handler. */
import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../schemas/errors.js';
import { needsRole } from './role.js';
import { runListQuery } from './runs.js';

export const streamEvents = createRoute({
  method: 'get',
  path: '/',
  operationId: 'streamEvents',
  summary: 'Server-Sent Events: a run, or the runs list, each time it changes',
  description:
    'With `runId`: `event: run` whose data is the run as GET /api/runs/{id} answers it, sent at once and again whenever it changes. Without: `event: runs` whose data is `{"runs": […]}` as GET /api/runs answers it (same `limit`, `repo`, `status`). Each event has an opaque `id`; a client that reconnects with `Last-Event-ID` gets no event until something changed since that one (a missed change arrives as the state it led to). A comment line keeps the connection alive every 15 s.',
  tags: ['runs'],
  security: [{ bearerAuth: [] }],
  ...needsRole('read'),
  request: {
    query: runListQuery.extend({
      runId: z.string().min(1).max(255).optional().openapi({ description: 'Follow this run.' }),
    }),
    headers: z.object({
      'last-event-id': z.string().max(64).optional().openapi({ description: 'The id of the last event received.' }),
    }),
  },
  responses: {
    200: { description: 'The event stream.', content: { 'text/event-stream': { schema: z.string() } } },
    ...errorResponses(400, 403, 404),
  },
});
