/** POST /api/hooks/push: push webhooks of Gitea, Forgejo and GitHub, signed instead of carrying a token. */
import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../schemas/errors.js';
import { TriggerResponse, TriggerSkipped } from '../schemas/runs.js';

const json = <T>(schema: T) => ({ 'application/json': { schema } });

export const receivePushWebhook = createRoute({
  method: 'post',
  path: '/push',
  operationId: 'receivePushWebhook',
  summary: 'A push webhook from Gitea, Forgejo or GitHub (no token: HMAC-signed)',
  description:
    "Send JSON (`content-type: application/json`) with `X-Gitea-Event`, `X-Forgejo-Event` or `X-GitHub-Event: push` and `X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body>` keyed with the secret registered by `POST /api/repositories`. A missing or wrong signature is 401 and nothing runs. The run's Idempotency-Key is derived from repository, ref, before and after, so a redelivery makes no second run. `ping` events answer 200.",
  tags: ['runs'],
  responses: {
    201: { description: 'The push started this run.', content: json(TriggerResponse) },
    200: {
      description: 'The run this push already started, `skipped` (why no run), or `pong` for a ping.',
      content: json(z.union([TriggerResponse, TriggerSkipped, z.object({ pong: z.literal(true) })])),
    },
    ...errorResponses(400, 401, 404, 413, 415, 422),
  },
});
