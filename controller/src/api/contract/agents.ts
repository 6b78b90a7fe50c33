/** The routes of /api/agents as the OpenAPI document describes them; routes/agents.ts gives each its handler. */
import { createRoute, z } from '@hono/zod-openapi';
import { RevokedAgent } from '../schemas/agent-tokens.js';
import { AgentList, DrainResponse } from '../schemas/agents.js';
import { errorResponses } from '../schemas/errors.js';
import { needsRole } from './role.js';

const security = [{ bearerAuth: [] }];
const tags = ['agents'];

export const listAgents = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listAgents',
  summary: 'The registered agent processes',
  tags,
  security,
  ...needsRole('read'),
  responses: {
    200: { description: 'The agents.', content: { 'application/json': { schema: AgentList } } },
    ...errorResponses(403),
  },
});

export const drainAgent = createRoute({
  method: 'post',
  path: '/{id}/drain',
  operationId: 'drainAgent',
  summary: 'Let an agent finish its jobs and take no new ones',
  tags,
  security,
  ...needsRole('admin'),
  request: { params: z.object({ id: z.string().min(1).max(255).openapi({ description: 'Agent id.' }) }) },
  responses: {
    202: { description: 'The agent is draining.', content: { 'application/json': { schema: DrainResponse } } },
    ...errorResponses(400, 403, 404),
  },
});

export const revokeAgent = createRoute({
  method: 'post',
  path: '/{agent}/revoke',
  operationId: 'revokeAgent',
  summary: 'Revoke an agent: its credential is refused from its next call, its running attempts are fenced',
  description:
    'Each running attempt of the agent ends `lost` (the job runs again elsewhere within `retry.lost`, or fails). Idempotent.',
  tags,
  security,
  ...needsRole('admin'),
  request: {
    params: z.object({ agent: z.string().min(1).max(255).openapi({ description: "The agent's name or id." }) }),
  },
  responses: {
    200: { description: 'The agent is revoked.', content: { 'application/json': { schema: RevokedAgent } } },
    ...errorResponses(400, 403, 404),
  },
});
