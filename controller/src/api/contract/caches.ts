/** The routes of /api/caches as the OpenAPI document describes them; routes/caches.ts handles them. */
import { createRoute } from '@hono/zod-openapi';
import { CacheList, CacheQuery, ClearedCaches, ClearQuery } from '../schemas/caches.js';
import { errorResponses } from '../schemas/errors.js';
import { needsRole } from './role.js';

const security = [{ bearerAuth: [] }];
const tags = ['caches'];
const json = <T>(schema: T) => ({ 'application/json': { schema } });

export const listCaches = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listCaches',
  summary: 'The saved caches, by repository, newest first',
  tags,
  security,
  ...needsRole('read'),
  request: { query: CacheQuery },
  responses: { 200: { description: 'The caches.', content: json(CacheList) }, ...errorResponses(400, 403) },
});

export const clearCaches = createRoute({
  method: 'delete',
  path: '/',
  operationId: 'clearCaches',
  summary: "Delete saved caches (a repository's, or every one) and their archives",
  description: 'The next job of each key misses and saves it again. Audited.',
  tags,
  security,
  ...needsRole('admin'),
  request: { query: ClearQuery },
  responses: { 200: { description: 'What was deleted.', content: json(ClearedCaches) }, ...errorResponses(400, 403) },
});
