/** POST /api/gc as the OpenAPI document describes it; routes/gc.ts handles it. */
import { createRoute, z } from '@hono/zod-openapi';
import { jsonBody } from '../json-body.js';
import { errorResponses } from '../schemas/errors.js';
import { needsRole } from './role.js';

export const GcRequest = z
  .object({
    olderThan: z.string().min(1).max(64).openapi({
      description: 'Runs that ended longer ago than this duration, e.g. "30d"; at most 3650d.',
      example: '30d',
    }),
    dryRun: z.boolean().default(false).openapi({ description: 'Only count what would be deleted.' }),
  })
  // Strict: a misspelt `dryRun` must not turn a dry run into a real one.
  .strict()
  .openapi('GcRequest');

export const GcReport = z
  .object({
    dryRun: z.boolean(),
    runs: z.int().openapi({ description: 'Runs whose artifacts and archived logs were (or would be) deleted.' }),
    artifacts: z.int(),
    logs: z.int().openapi({ description: 'Archived attempt logs.' }),
    bytes: z.int().openapi({ description: 'Artifact bytes plus uncompressed log bytes.' }),
    caches: z.int().openapi({ description: 'Saved caches neither saved nor restored for that long.' }),
    cacheBytes: z.int().openapi({ description: 'Bytes of their archives.' }),
  })
  .openapi('GcReport');

export const collectGarbage = createRoute({
  method: 'post',
  path: '/',
  operationId: 'collectGarbage',
  summary: 'Delete the artifacts and archived logs of old runs, and caches unused as long',
  description:
    'Never those of a run awaiting approval, nor of the run live in each environment (its latest succeeded deployment, a rollback included). Caches go when neither saved nor restored within the same duration.',
  tags: ['runs'],
  security: [{ bearerAuth: [] }],
  ...needsRole('admin', jsonBody({ required: true })),
  request: { body: { required: true, content: { 'application/json': { schema: GcRequest } } } },
  responses: {
    200: { description: 'What was (or would be) deleted.', content: { 'application/json': { schema: GcReport } } },
    ...errorResponses(400, 403, 413, 415),
  },
});
