/** GET /api/runs/{id}/jobs/{jobId}/log as the OpenAPI document describes it; routes/job-logs.ts is its handler. */
import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../schemas/errors.js';
import { JobSteps } from '../schemas/runs.js';
import { needsRole } from './role.js';
import { jobParams } from './runs.js';

/** Attempts are numbered from 1; the bound keeps the number inside the database's integer column. */
const maxAttempt = 2_147_483_647;
const attemptBounds = `must be an integer from 1 to ${maxAttempt}`;
const maxTailBytes = 1 << 30;
const tailBounds = `must be an integer from 1 to ${maxTailBytes}`;

const attemptQuery = z.coerce
  .number({ error: attemptBounds })
  .int({ error: attemptBounds })
  .min(1, { error: attemptBounds })
  .max(maxAttempt, { error: attemptBounds })
  .optional()
  .openapi({ description: 'Which attempt (default: the latest).' });

export const getJobLog = createRoute({
  method: 'get',
  path: '/{id}/jobs/{jobId}/log',
  operationId: 'getJobLog',
  summary: "A job attempt's output as plain text, streamed",
  description:
    'Everything that can fail is checked before the first byte, so an error is always a whole JSON answer. With `follow=1` the answer stays open and carries new output as it is stored, ending when the attempt has finished.',
  tags: ['runs'],
  security: [{ bearerAuth: [] }],
  ...needsRole('read'),
  request: {
    params: jobParams,
    query: z.object({
      attempt: attemptQuery,
      follow: z
        .enum(['1', '0', 'true', 'false', ''], { error: 'must be 1 or 0' })
        .optional()
        .transform((value) => value === '1' || value === 'true' || value === '')
        .openapi({ description: 'Keep the answer open and send new output until the attempt ends.' }),
      tailBytes: z.coerce
        .number({ error: tailBounds })
        .int({ error: tailBounds })
        .min(1, { error: tailBounds })
        .max(maxTailBytes, { error: tailBounds })
        .optional()
        .openapi({
          description:
            'Only the end of the log: from the stored piece holding the last N bytes. `X-Gantry-Log-Offset` says where the answer starts.',
        }),
    }),
  },
  responses: {
    200: {
      description: 'The log.',
      headers: z.object({
        'x-gantry-log-offset': z
          .string()
          .openapi({ description: 'The byte offset in the whole log where this answer starts (0 without tailBytes).' }),
      }),
      content: { 'text/plain': { schema: z.string() } },
    },
    ...errorResponses(400, 403, 404),
  },
});

export const getJobSteps = createRoute({
  method: 'get',
  path: '/{id}/jobs/{jobId}/steps',
  operationId: 'getJobSteps',
  summary: "A job attempt's steps: command, status, times and exit code",
  tags: ['runs'],
  security: [{ bearerAuth: [] }],
  ...needsRole('read'),
  request: { params: jobParams, query: z.object({ attempt: attemptQuery }) },
  responses: {
    200: { description: 'The steps.', content: { 'application/json': { schema: JobSteps } } },
    ...errorResponses(400, 403, 404),
  },
});
