/** Deployments and rollbacks under /api/environments as the OpenAPI document describes them; routes/deployments.ts handles them. */
import { createRoute, z } from '@hono/zod-openapi';
import { jsonBody } from '../json-body.js';
import { DeploymentList, RollbackRequest, RollbackResponse } from '../schemas/deployments.js';
import { environmentName } from '../schemas/environments.js';
import { errorResponses } from '../schemas/errors.js';
import { ReleaseChanges } from '../schemas/release-changes.js';
import { needsRole } from './role.js';

const security = [{ bearerAuth: [] }];
const tags = ['environments'];
const json = <T>(schema: T) => ({ 'application/json': { schema } });
const params = z.object({ name: environmentName });

export const listEnvironmentDeployments = createRoute({
  method: 'get',
  path: '/{name}/deployments',
  operationId: 'listEnvironmentDeployments',
  summary: "An environment's deployments, newest first",
  description:
    'One per run of a stage with this `environment:` (and per rollback): the commit, the artifact digests, who approved, who asked for a rollback, when, and the result.',
  tags,
  security,
  ...needsRole('read'),
  request: {
    params,
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
  },
  responses: { 200: { description: 'The history.', content: json(DeploymentList) }, ...errorResponses(400, 403) },
});

export const rollBackEnvironment = createRoute({
  method: 'post',
  path: '/{name}/rollback',
  operationId: 'rollBackEnvironment',
  summary: 'Deploy an earlier run again: its stage for this environment re-runs with its commit and artifacts',
  description:
    'The run must be finished and must have deployed here before. Its stage waits at its gate again (earlier approvals do not count); the history shows a rollback with who asked.',
  tags,
  security,
  ...needsRole('trigger', jsonBody({ required: true })),
  request: { params, body: { required: true, content: json(RollbackRequest) } },
  responses: {
    202: { description: 'The stage runs again (or waits for approval).', content: json(RollbackResponse) },
    ...errorResponses(400, 403, 404, 409, 413, 415),
  },
});

export const getReleaseChanges = createRoute({
  method: 'get',
  path: '/{name}/changes',
  operationId: 'getReleaseChanges',
  summary: 'What a run would change if it were deployed to this environment',
  description:
    "Between what is live there and the run's stage for the environment: the commits (from git) and the artifacts whose digests differ.",
  tags,
  security,
  ...needsRole('read'),
  request: {
    params,
    query: z.object({ runId: z.string().min(1).max(255).openapi({ description: 'The candidate run.' }) }),
  },
  responses: {
    200: { description: 'The changes.', content: json(ReleaseChanges) },
    ...errorResponses(400, 403, 404),
  },
});
