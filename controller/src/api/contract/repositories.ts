/** /api/repositories: repositories registered for push webhooks (routes/repositories.ts). */
import { createRoute } from '@hono/zod-openapi';
import { jsonBody } from '../json-body.js';
import { errorResponses } from '../schemas/errors.js';
import { AddRepositoryRequest, Repository, RepositoryList } from '../schemas/repositories.js';
import { needsRole } from './role.js';

const security = [{ bearerAuth: [] }];
const tags = ['repositories'];
const json = <T>(schema: T) => ({ 'application/json': { schema } });

export const addRepository = createRoute({
  method: 'post',
  path: '/',
  operationId: 'addRepository',
  summary: 'Register a repository for push webhooks (or give it a new secret)',
  description: 'The secret is stored as given (verifying a signature needs it) and never returned.',
  tags,
  security,
  ...needsRole('admin', jsonBody({ required: true })),
  request: { body: { required: true, content: json(AddRepositoryRequest) } },
  responses: {
    200: { description: 'The repository is registered.', content: json(Repository) },
    ...errorResponses(400, 403, 413, 415),
  },
});

export const listRepositoriesRoute = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listRepositories',
  summary: 'The repositories registered for push webhooks (no secrets)',
  tags,
  security,
  ...needsRole('read'),
  responses: { 200: { description: 'The repositories.', content: json(RepositoryList) }, ...errorResponses(403) },
});
