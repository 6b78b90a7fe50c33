/**
 * The error answer every route shares, `{ "error": { "code", "message", "issues"? } }`,
 * and the response entries that describe it per status in the OpenAPI document.
 */
import { z } from '@hono/zod-openapi';

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ description: 'Stable machine-readable code, e.g. NOT_FOUND or INVALID_INPUT.' }),
      message: z.string().openapi({ description: 'What went wrong, quoting the bad value.' }),
      issues: z
        .array(z.string())
        .optional()
        .openapi({ description: 'Every validation problem, each as "path: problem".' }),
      requestId: z
        .string()
        .optional()
        .openapi({ description: "The request's id (also in the X-Request-Id header), to find it in the logs." }),
    }),
  })
  .openapi('Error');

export type ErrorBody = z.infer<typeof ErrorBody>;

const meaning = {
  400: 'The request is malformed: bad JSON, an unknown field, a value out of bounds.',
  401: 'No bearer token, or not a valid one.',
  403: "The token's identity lacks the role this needs (the message names it), or may not decide this stage.",
  404: 'No such run, job, stage, agent or token.',
  409: 'The request conflicts with the current state (e.g. the stage is not awaiting approval, the token name is taken).',
  413: 'The request body is larger than GANTRY_MAX_REQUEST_BYTES.',
  415: 'A request body that is not JSON.',
  422: 'The repository cannot give what the trigger asks for (unknown ref, sha not on the ref, unreadable).',
  500: 'An unexpected failure; the message carries only a request id.',
  503: 'A part the controller depends on is down.',
} as const;

export type ErrorStatus = keyof typeof meaning;

/** Statuses every authenticated route may answer besides its own. */
const alwaysPossible = [401, 500] as const;

/** Response entries for the given error statuses (401 and 500 are always added). */
export function errorResponses<const S extends ErrorStatus>(...statuses: S[]) {
  const all = [...new Set<ErrorStatus>([...statuses, ...alwaysPossible])].sort((a, b) => a - b);
  return Object.fromEntries(
    all.map((status) => [
      status,
      { description: meaning[status], content: { 'application/json': { schema: ErrorBody } } },
    ]),
  ) as Record<
    S | (typeof alwaysPossible)[number],
    { description: string; content: { 'application/json': { schema: typeof ErrorBody } } }
  >;
}
