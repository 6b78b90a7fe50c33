/** The routes of /api/agent-tokens as the OpenAPI document describes them; routes/agent-tokens.ts handles them. */
import { createRoute, z } from '@hono/zod-openapi';
import { jsonBody } from '../json-body.js';
import {
  AgentTokenList,
  CreateAgentTokenRequest,
  CreatedAgentToken,
  RevokedAgentToken,
} from '../schemas/agent-tokens.js';
import { errorResponses } from '../schemas/errors.js';
import { needsRole } from './role.js';

const security = [{ bearerAuth: [] }];
const tags = ['agents'];
const json = <T>(schema: T) => ({ 'application/json': { schema } });

export const createAgentToken = createRoute({
  method: 'post',
  path: '/',
  operationId: 'createAgentToken',
  summary: 'Create an enrolment token for agents',
  description:
    'An agent presents it once (`gantry agent --token`) and receives its own credential. The answer carries the token itself; it is not stored and never shown again.',
  tags,
  security,
  ...needsRole('admin', jsonBody({ required: true })),
  request: { body: { required: true, content: json(CreateAgentTokenRequest) } },
  responses: {
    201: { description: 'The token was created.', content: json(CreatedAgentToken) },
    ...errorResponses(400, 403, 413, 415),
  },
});

export const listAgentTokens = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listAgentTokens',
  summary: 'The enrolment tokens, without their secrets',
  tags,
  security,
  ...needsRole('admin'),
  responses: { 200: { description: 'The tokens.', content: json(AgentTokenList) }, ...errorResponses(403) },
});

export const revokeAgentToken = createRoute({
  method: 'delete',
  path: '/{id}',
  operationId: 'revokeAgentToken',
  summary: 'Revoke an enrolment token (agents enrolled with it keep their credentials)',
  tags,
  security,
  ...needsRole('admin'),
  request: { params: z.object({ id: z.string().min(1).max(64).openapi({ description: "The token's id." }) }) },
  responses: {
    200: { description: 'The token was revoked.', content: json(RevokedAgentToken) },
    ...errorResponses(400, 403, 404),
  },
});
