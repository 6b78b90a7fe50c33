/** The routes of /api/secrets as the OpenAPI document describes them; routes/secrets.ts handles them. */
import { createRoute, z } from '@hono/zod-openapi';
import { jsonBody } from '../json-body.js';
import { errorResponses } from '../schemas/errors.js';
import {
  DeletedSecret,
  Secret,
  SecretList,
  SecretScopeQuery,
  SetSecretRequest,
  secretName,
} from '../schemas/secrets.js';
import { needsRole } from './role.js';

const security = [{ bearerAuth: [] }];
const tags = ['secrets'];
const json = <T>(schema: T) => ({ 'application/json': { schema } });
const params = z.object({ name: secretName });

export const setSecret = createRoute({
  method: 'put',
  path: '/{name}',
  operationId: 'setSecret',
  summary: 'Set a secret jobs may name in `secrets:` (created or replaced)',
  description:
    'The value is encrypted with GANTRY_SECRET_KEY (AES-256-GCM) and never returned; 409 when the controller has no key.',
  tags,
  security,
  ...needsRole('admin', jsonBody({ required: true })),
  request: { params, body: { required: true, content: json(SetSecretRequest) } },
  responses: {
    200: { description: 'The secret is stored.', content: json(Secret) },
    ...errorResponses(400, 403, 409, 413, 415),
  },
});

export const listSecretsRoute = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listSecrets',
  summary: 'The secrets: names and scopes, never values',
  tags,
  security,
  ...needsRole('admin'),
  request: { query: SecretScopeQuery },
  responses: { 200: { description: 'The secrets.', content: json(SecretList) }, ...errorResponses(400, 403) },
});

export const deleteSecretRoute = createRoute({
  method: 'delete',
  path: '/{name}',
  operationId: 'deleteSecret',
  summary: 'Delete a secret (of `repo`, or the farm-wide one)',
  tags,
  security,
  ...needsRole('admin'),
  request: { params, query: SecretScopeQuery },
  responses: {
    200: { description: 'The secret was deleted.', content: json(DeletedSecret) },
    ...errorResponses(400, 403, 404),
  },
});
