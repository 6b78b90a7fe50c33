/** POST /api/pushes: a git server's hook reports a push; the pipeline's `on:` decides whether it starts a run. */
import { createRoute, z } from '@hono/zod-openapi';
import { jsonBody } from '../json-body.js';
import { errorResponses } from '../schemas/errors.js';
import { PushRequest, TriggerResponse, TriggerSkipped } from '../schemas/runs.js';
import { needsRole } from './role.js';

const json = <T>(schema: T) => ({ 'application/json': { schema } });

export const reportPush = createRoute({
  method: 'post',
  path: '/',
  operationId: 'reportPush',
  summary: 'Report a push of a branch or tag (what `gantry hook install` sends)',
  description:
    "Resolves `after` on `ref`, reads the pipeline's `on:` at that commit and starts a run when it matches; a deleted ref (all-zero `after`) starts none. Send `Idempotency-Key` (derived from repository, ref, before and after) so a hook firing twice makes one run; the same key with a different body answers 422.",
  tags: ['runs'],
  security: [{ bearerAuth: [] }],
  ...needsRole('trigger', jsonBody({ required: true })),
  request: {
    headers: z.object({
      'idempotency-key': z.string().max(255).optional().openapi({ description: 'Makes a repeated push one run.' }),
    }),
    body: { required: true, content: json(PushRequest) },
  },
  responses: {
    201: { description: 'The push started this run.', content: json(TriggerResponse) },
    200: {
      description:
        'The run an earlier report with the same Idempotency-Key started, or `skipped`: why the push starts no run.',
      content: json(z.union([TriggerResponse, TriggerSkipped])),
    },
    ...errorResponses(400, 403, 413, 415, 422),
  },
});
