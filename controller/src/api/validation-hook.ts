/**
 * What a route answers when its declared params, query or body do not match
 * their schema: the API's 400 error shape, one issue per problem, `path: problem`.
 * Given to every OpenAPIHono router as its `defaultHook`.
 */
import type { z } from '@hono/zod-openapi';
import { ApiError } from './error-handler.js';

const whatFailed: Record<string, string> = {
  json: 'request body',
  query: 'query',
  param: 'path',
  header: 'headers',
};

export function rejectInvalidInput(result: { success: boolean; error?: z.ZodError; target: string }): void {
  if (result.success || !result.error) return;
  const what = whatFailed[result.target] ?? result.target;
  const issues = result.error.issues.map((issue) => `${issue.path.join('.') || `(${what})`}: ${issue.message}`);
  throw new ApiError('INVALID_INPUT', `invalid ${what}: ${issues.join('; ')}`, issues);
}
