/**
 * The routes of /api/runs as the OpenAPI document describes them: params,
 * query, body and every answer. routes/runs.ts gives each its handler.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { runStatuses } from '../../domain/states.js';
import { jsonBody } from '../json-body.js';
import { errorResponses } from '../schemas/errors.js';
import {
  CancelResponse,
  DecisionRequest,
  DecisionResponse,
  RetryResponse,
  RunDetail,
  RunList,
  TriggerRequest,
  TriggerResponse,
} from '../schemas/runs.js';
import { needsRole } from './role.js';

const security = [{ bearerAuth: [] }];
const tags = ['runs'];
const json = <T>(schema: T) => ({ 'application/json': { schema } });

const id = z.string().min(1).max(255).openapi({ description: 'Run id.' });
const runParams = z.object({ id });
export const jobParams = z.object({
  id,
  jobId: z.string().min(1).max(255).openapi({ description: 'Job id.' }),
});
const stageParams = z.object({ id, stage: z.string().min(1).max(255).openapi({ description: 'Stage name.' }) });

export const triggerRun = createRoute({
  method: 'post',
  path: '/',
  operationId: 'triggerRun',
  summary: 'Trigger a run of a repository ref',
  description:
    'The ref is resolved to a commit now; the run builds that commit. With an `Idempotency-Key` header a repeated trigger answers 200 with the run the key created; the same key with a different body answers 422.',
  tags,
  security,
  ...needsRole('trigger', jsonBody({ required: true })),
  request: {
    headers: z.object({
      'idempotency-key': z.string().max(255).optional().openapi({ description: 'Makes a retried trigger safe.' }),
    }),
    body: { required: true, content: json(TriggerRequest) },
  },
  responses: {
    201: { description: 'The run was created.', content: json(TriggerResponse) },
    200: {
      description: 'The run an earlier trigger with the same Idempotency-Key created.',
      content: json(TriggerResponse),
    },
    ...errorResponses(400, 403, 413, 415, 422),
  },
});

/** Which runs a list shows: GET /api/runs and the runs events of GET /api/events. */
export const runListQuery = z.object({
  limit: z.coerce
    .number({ error: 'must be an integer from 1 to 500' })
    .int({ error: 'must be an integer from 1 to 500' })
    .min(1, { error: 'must be an integer from 1 to 500' })
    .max(500, { error: 'must be an integer from 1 to 500' })
    .default(50)
    .openapi({ description: 'How many runs, 1 to 500.' }),
  repo: z.string().min(1).max(4096).optional().openapi({ description: 'Only runs of this repository.' }),
  status: z.enum(runStatuses).optional().openapi({ description: 'Only runs in this status.' }),
});

export const listRuns = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listRuns',
  summary: 'The most recent runs, newest first, a page at a time',
  tags,
  security,
  ...needsRole('read'),
  request: {
    query: runListQuery.extend({
      before: z
        .string()
        .min(1)
        .max(255)
        .optional()
        .openapi({ description: 'Only runs older than this run (the `next` of the page before): the next page.' }),
    }),
  },
  responses: {
    200: { description: 'The runs.', content: json(RunList) },
    ...errorResponses(400, 403, 404),
  },
});

export const getRun = createRoute({
  method: 'get',
  path: '/{id}',
  operationId: 'getRun',
  summary: 'A run with its stages, jobs, attempts and approvals',
  tags,
  security,
  ...needsRole('read'),
  request: { params: runParams },
  responses: { 200: { description: 'The run.', content: json(RunDetail) }, ...errorResponses(400, 403, 404) },
});

export const cancelRun = createRoute({
  method: 'post',
  path: '/{id}/cancel',
  operationId: 'cancelRun',
  summary: 'Cancel a run: queued jobs dropped, running jobs stopped',
  tags,
  security,
  ...needsRole('trigger'),
  request: { params: runParams },
  responses: {
    200: { description: 'Canceling.', content: json(CancelResponse) },
    ...errorResponses(400, 403, 404, 409),
  },
});

export const retryJob = createRoute({
  method: 'post',
  path: '/{id}/jobs/{jobId}/retry',
  operationId: 'retryJob',
  summary: 'Run a finished job again as its next attempt',
  tags,
  security,
  ...needsRole('trigger'),
  request: { params: jobParams },
  responses: { 200: { description: 'Retrying.', content: json(RetryResponse) }, ...errorResponses(400, 403, 404, 409) },
});

function decideRoute(decision: 'approve' | 'reject') {
  return createRoute({
    method: 'post',
    path: `/{id}/stages/{stage}/${decision}`,
    operationId: `${decision}Stage`,
    summary: `${decision === 'approve' ? 'Approve' : 'Reject'} a stage that awaits approval`,
    description:
      "Besides the `approve` role, the caller must be one of the gate's `approvers` when it lists any; approving one's own run (triggered it, or authored or committed its commit) is refused unless the gate has `allow_self_approval: true`. A refusal is 403 with the reason and is audited. Approving twice counts once.",
    tags,
    security,
    ...needsRole('approve', jsonBody({ required: false })),
    request: { params: stageParams, body: { required: false, content: json(DecisionRequest) } },
    responses: {
      200: { description: 'The decision was recorded.', content: json(DecisionResponse) },
      ...errorResponses(400, 403, 404, 409, 413, 415),
    },
  });
}

export const approveStage = decideRoute('approve');
export const rejectStage = decideRoute('reject');
