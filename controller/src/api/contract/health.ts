/** The routes outside /api: the health check and the API's own description. */
import { createRoute, z } from '@hono/zod-openapi';
import { Health } from '../schemas/health.js';

export const getHealth = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'getHealth',
  summary: 'Whether the controller and the parts it depends on are up (no token needed)',
  tags: ['health'],
  responses: {
    200: { description: 'Everything is up.', content: { 'application/json': { schema: Health } } },
    503: {
      description: 'Some part is down; `checks` says which.',
      content: { 'application/json': { schema: Health } },
    },
  },
});

export const getOpenApiDocument = createRoute({
  method: 'get',
  path: '/openapi.json',
  operationId: 'getOpenApiDocument',
  summary: 'This document: the OpenAPI 3.1 description of the API (no token needed)',
  tags: ['health'],
  responses: {
    200: {
      description: 'The OpenAPI document.',
      content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
    },
  },
});

export const getPipelineSchema = createRoute({
  method: 'get',
  path: '/schema/gantry.json',
  operationId: 'getPipelineSchema',
  summary: 'The JSON Schema of .gantry.yml, for editors (no token needed)',
  tags: ['health'],
  responses: {
    200: {
      description: 'A JSON Schema (draft-07) document.',
      content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
    },
  },
});
