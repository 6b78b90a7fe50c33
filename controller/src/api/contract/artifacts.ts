/** GET /api/runs/{id}/artifacts[/{artifactId}] as the OpenAPI document describes them; routes/artifacts.ts handles them. */
import { createRoute, z } from '@hono/zod-openapi';
import { ArtifactList } from '../schemas/artifacts.js';
import { errorResponses } from '../schemas/errors.js';
import { needsRole } from './role.js';

const id = z.string().min(1).max(255).openapi({ description: 'Run id.' });

export const listArtifacts = createRoute({
  method: 'get',
  path: '/{id}/artifacts',
  operationId: 'listArtifacts',
  summary: "The files a run's jobs kept, with their sizes and SHA-256 digests",
  description: 'Only committed files are listed: those of every attempt that finished uploading while it held its job.',
  tags: ['runs'],
  security: [{ bearerAuth: [] }],
  ...needsRole('read'),
  request: { params: z.object({ id }) },
  responses: {
    200: { description: 'The artifacts.', content: { 'application/json': { schema: ArtifactList } } },
    ...errorResponses(400, 403, 404),
  },
});

export const downloadArtifact = createRoute({
  method: 'get',
  path: '/{id}/artifacts/{artifactId}',
  operationId: 'downloadArtifact',
  summary: 'A redirect to a short-lived download URL of one artifact',
  description: 'The URL is good for a few minutes and for this file only; check the bytes against `sha256`.',
  tags: ['runs'],
  security: [{ bearerAuth: [] }],
  ...needsRole('read'),
  request: {
    params: z.object({ id, artifactId: z.string().min(1).max(255).openapi({ description: 'Artifact id.' }) }),
  },
  responses: {
    302: {
      description: 'Found: `Location` is the download URL.',
      headers: z.object({ location: z.url() }),
    },
    ...errorResponses(400, 403, 404),
  },
});
