/** GET /api/runs/{id}/tests and GET /api/tests/flaky as the OpenAPI document describes them; routes/tests.ts handles them. */
import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../schemas/errors.js';
import { FlakyTestList, RunTests } from '../schemas/tests.js';
import { needsRole } from './role.js';

const json = <T>(schema: T) => ({ 'application/json': { schema } });

export const getRunTests = createRoute({
  method: 'get',
  path: '/{id}/tests',
  operationId: 'getRunTests',
  summary: "A run's test results, from its jobs' JUnit reports",
  description:
    'Counts per job (its current attempt) and the cases, failing first with their messages. A report that was refused (malformed, over GANTRY_TEST_REPORT_MAX_BYTES or GANTRY_TEST_REPORT_MAX_CASES) is listed with the reason.',
  tags: ['runs'],
  security: [{ bearerAuth: [] }],
  ...needsRole('read'),
  request: {
    params: z.object({ id: z.string().min(1).max(255).openapi({ description: 'Run id.' }) }),
    query: z.object({
      limit: z.coerce.number().int().min(1).max(5000).default(1000).openapi({ description: 'Most cases answered.' }),
    }),
  },
  responses: { 200: { description: 'The test results.', content: json(RunTests) }, ...errorResponses(400, 403, 404) },
});

export const listFlakyTests = createRoute({
  method: 'get',
  path: '/flaky',
  operationId: 'listFlakyTests',
  summary: "The flakiest test cases of a repository's recent runs",
  description:
    'A case is flaky on a commit when it failed and then passed on that commit (a retried job or another run of the same sha). Sorted by how many commits it flaked on, then by failures.',
  tags: ['tests'],
  security: [{ bearerAuth: [] }],
  ...needsRole('read'),
  request: {
    query: z.object({
      repo: z.string().min(1).max(4096).openapi({ description: 'The repository, as runs name it.' }),
      runs: z.coerce.number().int().min(1).max(1000).default(200).openapi({ description: 'Recent runs looked at.' }),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    }),
  },
  responses: {
    200: { description: 'The flaky cases, flakiest first.', content: json(FlakyTestList) },
    ...errorResponses(400, 403),
  },
});
