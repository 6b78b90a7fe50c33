/** The routes of /api/environments as the OpenAPI document describes them; routes/environments.ts handles them. */
import { createRoute, z } from '@hono/zod-openapi';
import { jsonBody } from '../json-body.js';
import {
  EnvironmentList,
  EnvironmentProtection,
  environmentName,
  ProtectEnvironmentRequest,
  UnprotectedEnvironment,
} from '../schemas/environments.js';
import { errorResponses } from '../schemas/errors.js';
import { needsRole } from './role.js';

const security = [{ bearerAuth: [] }];
const tags = ['environments'];
const json = <T>(schema: T) => ({ 'application/json': { schema } });
const params = z.object({ name: environmentName });

export const protectEnvironment = createRoute({
  method: 'put',
  path: '/{name}/protection',
  operationId: 'protectEnvironment',
  summary: 'Protect an environment: every stage deploying to it gets at least this gate',
  description:
    "Applies to runs planned from now on. The commit's `.gantry.yml` may raise `required` or narrow the approvers, never weaken the gate; a run whose ref is not in `branches` fails that stage before it runs.",
  tags,
  security,
  ...needsRole('admin', jsonBody({ required: true })),
  request: { params, body: { required: true, content: json(ProtectEnvironmentRequest) } },
  responses: {
    200: { description: 'The environment is protected.', content: json(EnvironmentProtection) },
    ...errorResponses(400, 403, 413, 415),
  },
});

export const listEnvironments = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listEnvironments',
  summary: 'The protected environments, and what is live in each environment',
  tags,
  security,
  ...needsRole('read'),
  responses: { 200: { description: 'The protections.', content: json(EnvironmentList) }, ...errorResponses(403) },
});

export const unprotectEnvironment = createRoute({
  method: 'delete',
  path: '/{name}/protection',
  operationId: 'unprotectEnvironment',
  summary: "Remove an environment's protection (runs planned from now on)",
  tags,
  security,
  ...needsRole('admin'),
  request: { params },
  responses: {
    200: { description: 'The protection was removed.', content: json(UnprotectedEnvironment) },
    ...errorResponses(400, 403, 404),
  },
});
