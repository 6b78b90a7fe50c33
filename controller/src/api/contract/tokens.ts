/** The routes of /api/tokens and /api/me as the OpenAPI document describes them; routes/tokens.ts, me.ts handle them. */
import { createRoute, z } from '@hono/zod-openapi';
import { jsonBody } from '../json-body.js';
import { errorResponses } from '../schemas/errors.js';
import { CreatedToken, CreateTokenRequest, Identity, RevokedToken, TokenList } from '../schemas/identities.js';
import { needsRole } from './role.js';

const security = [{ bearerAuth: [] }];
const tags = ['identities'];
const json = <T>(schema: T) => ({ 'application/json': { schema } });

export const createToken = createRoute({
  method: 'post',
  path: '/',
  operationId: 'createToken',
  summary: 'Create an identity with roles and its token',
  description: 'The answer carries the token itself; it is not stored and never shown again.',
  tags,
  security,
  ...needsRole('admin', jsonBody({ required: true })),
  request: { body: { required: true, content: json(CreateTokenRequest) } },
  responses: {
    201: { description: 'The token was created.', content: json(CreatedToken) },
    ...errorResponses(400, 403, 409, 413, 415),
  },
});

export const listTokens = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listTokens',
  summary: 'The tokens made with POST /api/tokens, without their secrets',
  tags,
  security,
  ...needsRole('admin'),
  responses: { 200: { description: 'The tokens.', content: json(TokenList) }, ...errorResponses(403) },
});

export const revokeToken = createRoute({
  method: 'delete',
  path: '/{name}',
  operationId: 'revokeToken',
  summary: 'Revoke a token at once',
  tags,
  security,
  ...needsRole('admin'),
  request: { params: z.object({ name: z.string().min(1).max(255).openapi({ description: "The token's name." }) }) },
  responses: {
    200: { description: 'The token was revoked.', content: json(RevokedToken) },
    ...errorResponses(400, 403, 404),
  },
});

export const getMe = createRoute({
  method: 'get',
  path: '/',
  operationId: 'getMe',
  summary: 'The identity and roles of the presented token (any valid token may ask)',
  tags,
  security,
  responses: { 200: { description: 'Who you are.', content: json(Identity) }, ...errorResponses() },
});
